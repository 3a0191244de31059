package org.attentionsearch.web;

import java.util.Locale;

/**
 * The names that mean this machine, and nothing else: {@code localhost}, an IPv4 literal in
 * 127.0.0.0/8 written as four decimal octets, and {@code ::1}. A Host header may add a numeric
 * port. Anything longer that merely starts like one ({@code 127.0.0.1.evil.com}) is a DNS
 * name someone else controls, and is exactly what a rebinding page would send.
 */
final class Loopback {

    private Loopback() {
    }

    /** An address to listen on: {@code localhost}, {@code 127.x.y.z}, {@code ::1} or {@code [::1]}. */
    static boolean isAddress(String host) {
        return host.equals("::1") || isName(host);
    }

    /** A Host header's value: a loopback name with an optional port ({@code 127.0.0.1:8080}, {@code [::1]:8080}). */
    static boolean isHostHeader(String value) {
        String name = value;
        int colon = value.lastIndexOf(':');
        if (colon >= 0 && colon > value.lastIndexOf(']')) {
            if (!isPort(value.substring(colon + 1))) return false;
            name = value.substring(0, colon);
        }
        return isName(name);
    }

    private static boolean isName(String name) {
        return name.toLowerCase(Locale.ROOT).equals("localhost") || name.equals("[::1]") || isLoopbackIpv4(name);
    }

    /** Four dot-separated decimal octets 0..255 without leading zeros (0177 would be octal to some parsers), the first 127. */
    private static boolean isLoopbackIpv4(String s) {
        String[] octets = s.split("\\.", -1);
        if (octets.length != 4) return false;
        for (String octet : octets) {
            if (octet.isEmpty() || octet.length() > 3 || !octet.chars().allMatch(c -> c >= '0' && c <= '9')) return false;
            if (octet.length() > 1 && octet.charAt(0) == '0') return false;
            if (Integer.parseInt(octet) > 255) return false;
        }
        return octets[0].equals("127");
    }

    private static boolean isPort(String s) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) return false;
        return Integer.parseInt(s) <= 65535;
    }
}

package org.attentionsearch.web;

/** A request the API refuses: an HTTP status and one sentence for the client, never a stack trace. */
final class ApiException extends RuntimeException {

    private final int status;

    ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    int status() {
        return status;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    static ApiException tooLarge(String message) {
        return new ApiException(413, message);
    }
}

package org.attentionsearch.search;

/** A token whose vector lies near another vector, by cosine similarity. */
public record Neighbour(int id, String token, int position, double cosine) {
}

package org.attentionsearch.search;

/**
 * Asked of a streamed analysis for something that needs whole n×n attention matrices
 * (rollout, every key of a page, a full weight matrix), which it does not keep.
 */
public final class MatrixNotKeptException extends IllegalArgumentException {

    MatrixNotKeptException(String what, String reason) {
        super(what + " needs the whole attention matrix, which this analysis does not keep: " + reason + ".");
    }
}

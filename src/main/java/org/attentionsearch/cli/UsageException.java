package org.attentionsearch.cli;

/** Bad usage or bad input: one sentence for the user, exit code 2. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}

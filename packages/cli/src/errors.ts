// Errors of the `ddpo` command: a bad flag, file or value the user can fix. `main` prints their
// message (no stack trace) and exits with status 2; any other error is a bug or a library failure.
import { DdpoError } from '@ddpo/tensor';

/** A command-line usage problem: a bad flag value, a missing or unreadable file, a bad config file. */
export class UsageError extends DdpoError {}

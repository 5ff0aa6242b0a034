// Operating-system errors (a full disk, a read-only folder, a file where a folder was expected) as the one-line
// LapoError every other problem gets: the path, what lapo was doing, what it expected and what it found.
import { LapoError, type LapoErrorCode } from '../errors.js';

/** What each errno means to a user, as "expected ..., found ...". */
const EXPECTED_FOUND: Record<string, string> = {
  ENOSPC: 'expected free space on its device, found the disk full',
  EDQUOT: 'expected free space, found the disk quota used up',
  EFBIG: 'expected the file to grow, found the file size limit reached (ulimit -f)',
  EACCES: 'expected permission, found it denied',
  EPERM: 'expected permission, found the operation not permitted',
  EROFS: 'expected a writable filesystem, found a read-only one',
  EISDIR: 'expected a file, found a folder',
  ENOTDIR: 'expected a folder, found a file where a folder was expected',
  ENOENT: 'expected it to exist, found no such file or folder',
  EEXIST: 'expected nothing there, found an existing file',
  EMFILE: 'expected a free file descriptor, found the limit of open files reached',
  ENAMETOOLONG: 'expected a shorter path, found a name too long for the filesystem',
  EIO: 'expected the device to read and write, found an I/O error',
};

/** The errno code of an error from node:fs (or undefined). */
export function errnoOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * `e` as a one-line LapoError naming `path` (default: the path node:fs recorded) and what was being done, or
 * null when it is not an operating-system error lapo knows how to explain.
 */
export function osError(e: unknown, doing: string, path?: string, code: LapoErrorCode = 'runtime'): LapoError | null {
  const errno = errnoOf(e);
  const where = path ?? (e as NodeJS.ErrnoException | null)?.path;
  if (!errno || !EXPECTED_FOUND[errno] || !where) return null;
  return new LapoError(code, `${where}: ${doing}: ${EXPECTED_FOUND[errno]} (${errno})`);
}

/** Rethrows `e` as a one-line LapoError when it is a known operating-system error, else as it is. */
export function rethrowOsError(e: unknown, doing: string, path?: string, code: LapoErrorCode = 'runtime'): never {
  throw osError(e, doing, path, code) ?? e;
}

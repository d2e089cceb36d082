// POSIX shell snippets behind the file operations (copy, script). They run over SSH exec and,
// for `become` on a local connection, through local sudo: the same text both ways, so a file's
// state and an atomic write behave identically wherever the task runs. Each takes its inputs as
// positional parameters ($1, $2), never spliced into the text, so no path needs quoting here.

/** `$1` = path. Prints `absent`, `other` (directory, device, …) or `file MODE SHA256`. */
export const FILE_STATE_SCRIPT = [
  'f=$1; if [ ! -e "$f" ] && [ ! -L "$f" ]; then echo absent; exit 0; fi',
  'if [ ! -f "$f" ]; then echo other; exit 0; fi',
  // sha256sum prints "HASH  -": the unquoted expansion splits it, $1 is the hash.
  'm=$(stat -c %a -- "$f") && s=$(sha256sum < "$f") && set -- $s && echo "file $m $1"',
].join("\n");

/** `$1` = path, `$2` = octal mode; the content arrives on stdin. Temp file + rename. */
export const WRITE_FILE_SCRIPT = [
  "set -e",
  't=$(mktemp "$(dirname -- "$1")/.rollcall-XXXXXXXX")',
  "trap 'rm -f -- \"$t\"' EXIT",
  'cat > "$t"',
  // Keep an existing file's owner (GNU chown); a new file belongs to the become user.
  'if [ -e "$1" ]; then chown --reference="$1" -- "$t" 2>/dev/null || :; fi',
  'chmod "$2" -- "$t"',
  'mv -f -- "$t" "$1"',
].join("\n");

/**
 * `$1` = interpreter (empty: run the script itself), then the script's arguments; the script
 * arrives on stdin and is staged in a private temp dir by the user who runs it, then removed.
 */
export const SCRIPT_RUNNER = [
  "i=$1; shift; d=$(mktemp -d) || exit 1; trap 'rm -rf -- \"$d\"' EXIT",
  'cat > "$d/script" && chmod 700 "$d/script" || exit 1',
  'if [ -n "$i" ]; then "$i" "$d/script" "$@"; else "$d/script" "$@"; fi',
].join("\n");

/** Parse FILE_STATE_SCRIPT's output; undefined when it is not recognisable. */
export function parseFileState(
  stdout: string,
): { kind: "absent" } | { kind: "other" } | { kind: "file"; mode: number; sha256: string } | undefined {
  const [kind, mode, sha256] = stdout.trim().split(" ");
  if (kind === "absent" || kind === "other") return { kind };
  if (kind === "file" && mode && sha256 && /^[0-9a-f]{64}$/.test(sha256)) {
    return { kind, mode: Number.parseInt(mode, 8), sha256 };
  }
  return undefined;
}

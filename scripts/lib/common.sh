# Shared by the scripts under scripts/ (sourced, not run). Every script checks its arguments before it builds or
# writes anything, and writes every file it produces to a temporary file in the target's folder, renamed over the
# target only when the whole step succeeded: a failure never leaves a tracked file empty or half written.
# Exit statuses as the Swift tools: 64 for a bad command line, 1 for a failure while working.

# The folder the script was started from: every script sources this file first, then works in the repository.
CALLER_DIR="$PWD"

# from_caller PATH: PATH as the caller meant it: absolute as it is, relative from the folder the script was started
# in (not the repository it then works in).
from_caller() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$CALLER_DIR/$1" ;; esac; }

# env_path VALUE DEFAULT: a path from an environment variable: VALUE from the caller's folder when it holds a '/'
# (a bare command name such as python3 is left as it is), else DEFAULT (a path in the repository).
env_path() {
  if [ -z "$1" ]; then printf '%s\n' "$2"
  else case "$1" in */*) from_caller "$1" ;; *) printf '%s\n' "$1" ;; esac; fi
}

# given_folder NAME VALUE DEFAULT_TEXT: a folder argument the user gave, from the caller's folder; "" is refused
# (status 64) rather than taken for the default, which DEFAULT_TEXT names.
given_folder() {
  [ -n "$2" ] || usage_error "$1 is empty; give the folder, or leave it out for $3"
  from_caller "$2"
}

# data_dir [DATA_DIR]: the MNIST folder: DATA_DIR, else $IBP_DATA (both from the caller's folder), else the
# repository's data/mnist.
data_dir() {
  if [ $# -ge 1 ]; then given_folder DATA_DIR "$1" "\$IBP_DATA or data/mnist"
  elif [ -n "${IBP_DATA:-}" ]; then from_caller "$IBP_DATA"
  else echo data/mnist; fi
}

# die MESSAGE: one line on stderr naming the script, exit 1.
die() { echo "$(basename "$0"): error: $*" >&2; exit 1; }

# usage_error MESSAGE: one line on stderr, exit 64.
usage_error() { echo "$(basename "$0"): error: $*" >&2; exit 64; }

# require_count VALUE FLAG [MAX [WHY]]: VALUE must be a positive integer, and at most MAX when given (WHY says
# why). The length is compared first, so a number too long for the shell's arithmetic gets the same one line,
# not a shell error.
require_count() {
  [[ "$1" =~ ^[1-9][0-9]*$ ]] || usage_error "$2 must be a positive integer, got '$1'"
  if [ $# -ge 3 ] && { [ ${#1} -gt ${#3} ] || [ "$1" -gt "$3" ]; }; then
    usage_error "$2 must be at most $3${4:+ ($4)}, got $1"
  fi
}

# script_help: the comment block at the top of the running script (after the #! line), without the "# ".
script_help() { sed -n '2,$p' "$0" | sed '/^[^#]/,$d' | sed 's/^# \{0,1\}//'; }

# positional_only MAX USAGE ARGS...: the checks of a script that takes only positional arguments, at most MAX:
# -h or --help prints the script's comment block (status 0); a word that looks like an option (--x or -x, not a
# negative number) is refused by name rather than taken for a folder, and so are too many arguments (status 64).
positional_only() {
  local max=$1 use=$2 a
  shift 2
  for a in "$@"; do
    case "$a" in
      -h|--help) script_help; exit 0 ;;
      --*|-[!0-9]*) usage_error "unknown option $a (this script takes no options); $use" ;;
    esac
  done
  [ $# -le "$max" ] || usage_error "too many arguments ($# given, at most $max); $use"
}

# split_equals ARGS...: ARGS with every --flag=value split into --flag value, as the Swift tools take both forms,
# left in the array SPLIT_ARGS (a script then runs: set -- ${SPLIT_ARGS[@]+"${SPLIT_ARGS[@]}"}).
split_equals() {
  SPLIT_ARGS=()
  local a
  for a in "$@"; do
    case "$a" in
      --*=*) SPLIT_ARGS+=("${a%%=*}" "${a#*=}") ;;
      *) SPLIT_ARGS+=("$a") ;;
    esac
  done
}

# need_value FLAG [NEXT...]: FLAG must be followed by a value, not by nothing, an empty word or another option
# (--...): else one line naming FLAG (with $usage), status 64.
need_value() {
  [ $# -ge 2 ] || usage_error "$1 needs a value; $usage"
  [ -n "$2" ] || usage_error "$1 is empty; $usage"
  case "$2" in --*) usage_error "$1 needs a value, and the next word is the option $2; $usage" ;; esac
}

# once FLAG VALUE_SO_FAR: FLAG may be given once (status 64 the second time, as the Swift tools refuse a repeat).
once() { [ -z "$2" ] || usage_error "$1 is given twice; $usage"; }

# require_mnist DIR [PREFIX...]: DIR holds the IDX files of each split prefix (default: train and t10k), plain or
# .gz; a missing file is a failure (status 1), as in the Swift tools.
require_mnist() {
  local dir="$1" prefix kind prefixes; shift
  prefixes=("$@")
  [ ${#prefixes[@]} -gt 0 ] || prefixes=(train t10k)
  [[ -d "$dir" ]] || die "$dir: no such data folder; get MNIST with scripts/get-mnist.sh $dir (or pass DATA_DIR)"
  for prefix in "${prefixes[@]}"; do
    for kind in images-idx3-ubyte labels-idx1-ubyte; do
      [[ -f "$dir/$prefix-$kind" || -f "$dir/$prefix-$kind.gz" ]] \
        || die "$dir: no $prefix-$kind(.gz); get MNIST with scripts/get-mnist.sh $dir"
    done
  done
}

# temp_beside TARGET: a new empty temporary file in TARGET's folder (so that mv onto TARGET is a rename), with the
# permissions a new file gets under the umask (mktemp's 0600 would make every installed file private).
temp_beside() {
  local tmp
  tmp="$(mktemp "$(dirname "$1")/.$(basename "$1").XXXXXX.tmp")" || return 1
  chmod "$(printf '%o' $(( 0666 & ~0$(umask) )))" "$tmp" || { rm -f "$tmp"; return 1; }
  echo "$tmp"
}

# install_file SOURCE TARGET: copies SOURCE over TARGET atomically (cp then rename; cp alone truncates TARGET first).
install_file() {
  local tmp
  mkdir -p "$(dirname "$2")"
  tmp="$(temp_beside "$2")"
  # -T: a TARGET that is a link to a folder is replaced, not written into.
  if cp "$1" "$tmp" && mv -fT "$tmp" "$2"; then return 0; fi
  rm -f "$tmp"
  die "cannot copy $1 to $2"
}

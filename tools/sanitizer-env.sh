# Sourced by the test scripts: how the sanitizer build reports. PoCL and
# LLVM leak by design at exit (measured: ~1.5 MB on a cold compile), so
# their frames are suppressed; everything of ours is checked.
here_san=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export LSAN_OPTIONS="suppressions=$here_san/tools/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

# Sourced by the test scripts: how the sanitizer build reports. PoCL and
# LLVM leak by design at exit (measured: ~1.5 MB on a cold compile), so
# their frames are suppressed; everything of ours is checked.
here_san=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export LSAN_OPTIONS="suppressions=$here_san/tools/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# intercept_tls_get_addr=0: GCC 12's libasan records each dynamic TLS block
# from __tls_get_addr with a glibc-2.19 guess (a block at page offset 16 is
# taken to have a header before it) that reads garbage under this glibc;
# LeakSanitizer's exit scan then walks a bogus block and dies ("Tracer
# caught signal 11", "DTLS 7 at 0x9f8-0x800001afa" with verbosity=1)
# whenever a TLS block of PoCL/LLVM happens to land at that offset, which
# depends only on the heap's layout. The blocks stay reachable through
# glibc's DTV (heap, scanned), so no leak is missed.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:intercept_tls_get_addr=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

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
# use_sigaltstack=0: LLVM (inside PoCL, on the threads that compile
# kernels) installs its own alternate signal stack, malloc'd, of
# SIGSTKSZ + 64 KiB whenever the thread's current one is smaller
# (llvm/lib/Support/Unix/Signals.inc, CreateSigAltStack), and GCC 12's
# libasan unmaps whatever alternate stack a thread has when it exits,
# taking it for its own 4 x SIGSTKSZ mapping. Under glibc 2.34+ SIGSTKSZ
# is sysconf(_SC_SIGSTKSZ), which follows the CPU's signal frame: where it
# is below 21846 bytes (14528 on an AVX-512 Xeon without AMX, measured in
# session 12), LLVM's stack is the larger, replaces ASan's, and every such
# thread's exit dies in "AddressSanitizer: CHECK failed ... unable to
# unmap" (test_devices and test_exec failed so, on session 11's code as
# well). Without its own alternate stack ASan only loses its report of a
# stack overflow inside a signal handler.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:intercept_tls_get_addr=0:use_sigaltstack=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

// clblast_tuner.cc - CLBlast's own tuner behind a C interface
// (clblast_tuner.h). The project's only C++: CLBlast exposes its tuner
// (clblast::TuneXgemm, clblast::TuneXgemmDirect) in its C++ API alone.
// Everything CLBlast may throw (std::runtime_error for a size its tuner
// refuses, std::bad_alloc, its OpenCL wrapper's errors) is caught here and
// becomes a vs_code and a message: a C caller never sees an exception.
//
// What CLBlast 1.5.3 does inside (src/tuning/tuning_api.cpp): it builds
// the kernel's search space for this device (its constraints, the device's
// work-group and local-memory limits), shuffles it with a fixed seed, keeps
// the first fraction of it, compiles and times each kept candidate (10
// runs, host-timed), drops those whose result differs from its reference
// run, and returns the fastest. TuneXgemm searches two spaces in turn,
// kernel 0 (GEMMK=0, its "V=2" sample) and kernel 1 (GEMMK=1, "V=12"),
// writing each winner into the same map: when both succeed the map holds
// kernel 1's winner. A failure of the second search (an empty sample, say)
// leaves the first one's winner in the map with a failed status; that set
// is returned here too, as the candidate it is, with the status noted.
#include "runtime/clblast_tuner.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <clblast.h>

namespace {

std::atomic<int> inject_throw{0};

void set_message(vs__tuner_out *out, const std::string &text) {
  std::snprintf(out->message, sizeof out->message, "%s", text.c_str());
}

// CLBlast's status as a vs_code: memory shortages are RESOURCE_EXHAUSTED,
// an empty result NOT_FOUND, the rest INTERNAL.
vs_code code_of(clblast::StatusCode s) {
  switch (s) {
    case clblast::StatusCode::kSuccess: return VS_OK;
    case clblast::StatusCode::kTempBufferAllocFailure:
    case clblast::StatusCode::kOpenCLOutOfResources:
    case clblast::StatusCode::kOpenCLOutOfHostMemory: return VS_RESOURCE_EXHAUSTED;
    case clblast::StatusCode::kUnexpectedError: return VS_NOT_FOUND;
    default: return VS_INTERNAL;
  }
}

// Copies the map into out, sorted by name so the order is stable.
bool copy_params(const std::unordered_map<std::string, size_t> &found, vs__tuner_out *out) {
  std::vector<std::pair<std::string, size_t>> sorted(found.begin(), found.end());
  std::sort(sorted.begin(), sorted.end());
  if (sorted.size() > VS_TUNER_MAX_PARAMS) return false;
  for (const auto &p : sorted) {
    if (p.first.size() >= sizeof out->params[0].name) return false;
    vs__tuner_param &dst = out->params[out->count++];
    std::snprintf(dst.name, sizeof dst.name, "%s", p.first.c_str());
    dst.value = p.second;
  }
  return true;
}

}  // namespace

extern "C" void vs__clblast_tuner_inject_throw(int kind) { inject_throw.store(kind); }

extern "C" vs_code vs__clblast_tuner_run(cl_command_queue *queue, vs__tuner_kernel kernel, size_t m, size_t n,
                                         size_t k, double fraction, vs__tuner_out *out) {
  if (!out) return VS_INVALID_ARGUMENT;
  *out = vs__tuner_out();
  const char *name = kernel == VS_TUNER_XGEMM_DIRECT ? "XgemmDirect" : "Xgemm";
  char text[256];
  if (!queue || !*queue) {
    std::snprintf(text, sizeof text, "CLBlast's %s tuner: the command queue must not be NULL", name);
    set_message(out, text);
    return VS_INVALID_ARGUMENT;
  }
  if (!m || !n || !k) {
    std::snprintf(text, sizeof text, "CLBlast's %s tuner: m, n and k must be positive (got %zu, %zu, %zu)", name,
                  m, n, k);
    set_message(out, text);
    return VS_INVALID_ARGUMENT;
  }
  if (!(fraction > 0 && fraction <= 1)) {
    std::snprintf(text, sizeof text, "CLBlast's %s tuner: fraction must be in (0, 1] (got %g)", name, fraction);
    set_message(out, text);
    return VS_INVALID_ARGUMENT;
  }
  // CLBlast 1.5.3 throws std::runtime_error for these before it searches;
  // said here in the caller's terms.
  if (kernel == VS_TUNER_XGEMM && (m % 128 || n % 128)) {
    std::snprintf(text, sizeof text,
                  "CLBlast's Xgemm tuner needs m and n to be multiples of 128 (its largest tile), got %zu x %zu", m,
                  n);
    set_message(out, text);
    return VS_INVALID_ARGUMENT;
  }
  std::unordered_map<std::string, size_t> found;
  clblast::StatusCode s = clblast::StatusCode::kSuccess;
  try {
    switch (inject_throw.load()) {
      case 1: throw std::runtime_error("injected failure");
      case 2: throw std::bad_alloc();
      case 3: throw 42;
      default: break;
    }
    if (kernel == VS_TUNER_XGEMM_DIRECT)
      s = clblast::TuneXgemmDirect<float>(queue, m, n, k, fraction, found);
    else
      s = clblast::TuneXgemm<float>(queue, m, n, k, fraction, found);
  } catch (const std::bad_alloc &) {
    std::snprintf(text, sizeof text, "CLBlast's %s tuner ran out of host memory", name);
    set_message(out, text);
    return VS_RESOURCE_EXHAUSTED;
  } catch (const std::exception &e) {
    set_message(out, std::string("CLBlast's ") + name + " tuner failed: " + e.what());
    return VS_INTERNAL;
  } catch (...) {
    std::snprintf(text, sizeof text, "CLBlast's %s tuner failed: an exception that is not a std::exception",
                  name);
    set_message(out, text);
    return VS_INTERNAL;
  }
  out->clblast_status = static_cast<int>(s);
  if (!found.empty() && !copy_params(found, out)) {
    out->count = 0;
    std::snprintf(text, sizeof text, "CLBlast's %s tuner returned %zu parameters, more or longer than expected",
                  name, found.size());
    set_message(out, text);
    return VS_INTERNAL;
  }
  if (out->count) return VS_OK;  // a set, even when a later phase failed (see the top of this file)
  vs_code c = code_of(s);
  if (c == VS_NOT_FOUND)
    std::snprintf(text, sizeof text,
                  "CLBlast's %s tuner found no working parameters in its sample (a fraction of %g; CLBlast status "
                  "%d)",
                  name, fraction, static_cast<int>(s));
  else
    std::snprintf(text, sizeof text, "CLBlast's %s tuner failed: CLBlast status %d", name, static_cast<int>(s));
  set_message(out, text);
  return c == VS_OK ? VS_INTERNAL : c;
}

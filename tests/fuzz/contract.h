// How fuzz entry points report a broken contract: a message naming the parser and the
// contract on stderr, then abort(), which libFuzzer records as a crash (keeping the input) and
// which fails the corpus regression test.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace rill::fuzz {

inline void CheckContract(bool ok, const char* parser, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "%s contract violated: %s\n", parser, what);
  std::abort();
}

}  // namespace rill::fuzz

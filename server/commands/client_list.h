// The CLIENT LIST / CLIENT INFO line of one client, with 7.0's fields in 7.0's order.
#pragma once

#include <cstdint>
#include <string>

#include "server/client.h"

namespace rill {

void AppendClientInfoLine(const Client& client, int64_t now_ms, std::string* out);

}  // namespace rill

#include "tests/fuzz/request_parser_target.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/key_peek.h"
#include "protocol/request_parser.h"
#include "tests/fuzz/contract.h"

namespace rill::fuzz {
namespace {

void Check(bool ok, const char* what) { CheckContract(ok, "request parser", what); }

// The connection's look ahead (protocol/key_peek.h) runs over the same bytes: it must stay
// inside them.
void CheckPeek(std::string_view data) {
  const protocol::PeekedKeys peeked = protocol::PeekFirstKeys(data);
  Check(peeked.commands <= protocol::PeekedKeys::kMax, "peeked more than a batch");
  Check(peeked.count <= peeked.commands, "more keys than commands");
  Check(peeked.end <= data.size(), "peeked past the end");
  for (size_t i = 0; i < peeked.count; ++i) {
    const std::string_view key = peeked.keys[i];
    Check(key.empty() ||
              (key.data() >= data.data() && key.data() + key.size() <= data.data() + peeked.end),
          "peeked key outside the commands");
    std::string copy(key);  // touches every byte: AddressSanitizer reports a stray view
  }
}

// What one parse of a byte stream produced: each command's arguments, then how it ended.
struct Outcome {
  std::vector<std::vector<std::string>> commands;
  bool error = false;
  std::string error_text;
  size_t unconsumed = 0;  // bytes left waiting for more input at the end
};

// Parses `stream` as a connection would, receiving it `chunk` bytes at a time (0 = all at
// once). Small parser limits make the limit paths reachable with small inputs.
Outcome ParseStream(std::string_view stream, size_t chunk, bool auth_required) {
  protocol::ParserLimits limits;
  limits.max_bulk_len = 4096;
  limits.max_inline_len = 1024;
  protocol::RequestParser parser(limits);
  parser.set_auth_required(auth_required);
  Outcome outcome;
  std::string buffer;  // bytes received and not yet consumed
  size_t fed = 0;
  while (true) {
    size_t take = chunk == 0 ? stream.size() - fed : std::min(chunk, stream.size() - fed);
    buffer.append(stream.substr(fed, take));
    fed += take;
    // Run every complete command in the buffer, as Connection::ProcessInput does.
    while (!buffer.empty()) {
      std::string_view data(buffer);
      CheckPeek(data);
      protocol::ParseStatus status = parser.Parse(data);
      if (status == protocol::ParseStatus::kNeedMore) break;
      if (status == protocol::ParseStatus::kError) {
        Check(!parser.error().empty(), "error without text");
        outcome.error = true;
        outcome.error_text = parser.error();
        return outcome;
      }
      Check(parser.consumed() > 0, "command consumed nothing");
      Check(parser.consumed() <= data.size(), "consumed past the end");
      // Copying each argument touches every byte of its view: AddressSanitizer reports a
      // view that points outside live memory.
      std::vector<std::string> args(parser.args().begin(), parser.args().end());
      if (!args.empty()) outcome.commands.push_back(std::move(args));
      buffer.erase(0, parser.consumed());
    }
    if (fed == stream.size()) break;
  }
  outcome.unconsumed = buffer.size();
  return outcome;
}

// Redis refuses a line longer than its limit (an inline request, a multibulk or bulk count)
// only while the line's end has not arrived (processInlineBuffer and processMultibulkBuffer look
// for it first): a buffer that holds the whole line is parsed, and accepted or refused for what
// it says. A stream cut into pieces may therefore stop with a "too big" error where the whole
// stream went on or failed otherwise; everything before the error must still agree.
bool LineLimitDivergence(const Outcome& whole, const Outcome& other) {
  if (!other.error) return false;
  bool line_limit = false;
  for (const char* text :
       {"too big inline request", "too big mbulk count string", "too big bulk count string"}) {
    if (other.error_text.find(text) != std::string::npos) line_limit = true;
  }
  if (!line_limit || other.commands.size() > whole.commands.size()) return false;
  return std::equal(other.commands.begin(), other.commands.end(), whole.commands.begin());
}

}  // namespace

void RunRequestParserInput(const uint8_t* data, size_t size) {
  if (size == 0) return;
  // The first byte chooses the chunk size and the auth state; the rest is the stream.
  const size_t chunk = (data[0] & 0x3f) + 1;
  const bool auth_required = (data[0] & 0x40) != 0;
  std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
  Outcome whole = ParseStream(stream, 0, auth_required);
  Outcome pieces = ParseStream(stream, chunk, auth_required);
  Outcome bytes = ParseStream(stream, 1, auth_required);
  for (const Outcome* other : {&pieces, &bytes}) {
    if (LineLimitDivergence(whole, *other)) continue;
    Check(other->commands == whole.commands, "commands depend on how the bytes arrive");
    Check(other->error == whole.error, "error depends on how the bytes arrive");
    Check(other->error_text == whole.error_text, "error text depends on how the bytes arrive");
    if (!whole.error) Check(other->unconsumed == whole.unconsumed, "unconsumed bytes differ");
  }
}

}  // namespace rill::fuzz

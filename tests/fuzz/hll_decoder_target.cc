#include "tests/fuzz/hll_decoder_target.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "datastructs/hyperloglog.h"
#include "tests/fuzz/contract.h"

namespace rill::fuzz {
namespace {

namespace hll = ds::hll;

void Check(bool ok, const char* what) { CheckContract(ok, "hll decoder", what); }

std::string Header(uint8_t encoding) {
  std::string h = "HYLL";
  h.push_back(static_cast<char>(encoding));
  h.append(10, '\0');
  h.push_back('\x80');  // cached cardinality stale
  return h;
}

const uint8_t* DenseRegisters(const std::string& dense) {
  return reinterpret_cast<const uint8_t*>(dense.data()) + hll::kHeaderSize;
}

// The registers of a valid HLL, one byte each; nullopt when any reader finds it corrupt (after
// checking that all readers agree on that).
std::optional<std::vector<uint8_t>> CheckReaders(const std::string& value) {
  if (!hll::IsHll(value)) return std::nullopt;
  const std::optional<uint64_t> count = hll::Count(value);
  std::vector<uint8_t> max(hll::kRegisters, 0);
  const bool merged = hll::MergeInto(max.data(), value);
  std::string dense = value;
  const bool converted = hll::SparseToDense(dense);
  if (hll::EncodingOf(value) == hll::kSparse) {
    const std::string text = hll::DecodeSparse(value);
    Check(text.empty() || text.back() != ' ', "decoded text ends with a space");
  }
  Check(count.has_value() == merged && merged == converted, "readers disagree on validity");
  if (!count) {
    Check(dense == value, "a failed conversion changed the value");
    return std::nullopt;
  }
  Check(
      dense.size() == hll::kDenseSize && hll::IsHll(dense) && hll::EncodingOf(dense) == hll::kDense,
      "conversion did not give a dense HLL");
  Check(dense.compare(0, 4, value, 0, 4) == 0 && dense.compare(5, 11, value, 5, 11) == 0,
        "conversion lost the header");
  Check(hll::Count(dense) == count, "dense form counts differently");
  Check(hll::CountRaw(max.data()) == *count, "merged registers count differently");
  for (int i = 0; i < hll::kRegisters; ++i) {
    Check(hll::DenseGet(DenseRegisters(dense), i) == max[i], "dense register differs");
  }
  return max;
}

void CheckAdd(std::string& value, std::string_view element, size_t sparse_max) {
  if (!hll::IsHll(value)) return;  // the server refuses such a value before any of this
  const std::optional<std::vector<uint8_t>> before = CheckReaders(value);
  const size_t size_before = value.size();
  const bool was_sparse = hll::EncodingOf(value) == hll::kSparse;
  const int result = hll::Add(value, element, sparse_max);
  Check(hll::IsHll(value), "adding broke the header");
  if (!before) return;  // a corrupt value may fail or change; it must not crash
  Check(result == 0 || result == 1, "a valid HLL reported corrupt");
  const std::optional<std::vector<uint8_t>> after = CheckReaders(value);
  Check(after.has_value(), "adding made a valid HLL corrupt");
  const hll::Pattern pattern = hll::PatternOf(element);
  for (int i = 0; i < hll::kRegisters; ++i) {
    const uint8_t want = i == pattern.index ? std::max((*before)[i], pattern.count) : (*before)[i];
    Check((*after)[i] == want, "a register other than the element's changed, or not to its count");
  }
  Check((result == 1) == (*after != *before), "the result does not say whether it changed");
  if (was_sparse && hll::EncodingOf(value) == hll::kSparse) {
    Check(value.size() <= std::max(size_before, sparse_max), "sparse form past its limit");
  }
}

}  // namespace

void RunHllDecoderInput(const uint8_t* data, size_t size) {
  if (size == 0) return;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string value;
  size_t sparse_max = hll::kDefaultSparseMaxBytes;
  std::vector<std::string> elements = {"a", "element", std::string(rest.substr(0, 9))};
  switch (data[0] & 3) {
    case 0:
      value = std::string(rest);
      break;
    case 1:
      value = Header(hll::kSparse) + std::string(rest);
      break;
    case 2: {
      std::string body(rest.substr(0, hll::kDenseSize - hll::kHeaderSize));
      body.resize(hll::kDenseSize - hll::kHeaderSize, '\0');
      value = Header(hll::kDense) + body;
      break;
    }
    default: {
      // The last bytes: the limit, then up to 8 elements of 3 bytes; the rest is the body.
      std::string_view body = rest;
      if (!body.empty()) {
        sparse_max = static_cast<uint8_t>(body.back()) * 24;
        body.remove_suffix(1);
      }
      for (int i = 0; i < 8 && body.size() >= 3; ++i) {
        elements.emplace_back(body.substr(body.size() - 3));
        body.remove_suffix(3);
      }
      value = Header(hll::kSparse) + std::string(body);
      break;
    }
  }
  for (const std::string& element : elements) CheckAdd(value, element, sparse_max);
  CheckReaders(value);
}

}  // namespace rill::fuzz

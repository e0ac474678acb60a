#include "datastructs/set.h"

#include <charconv>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "common/number_parse.h"
#include "datastructs/intset.h"
#include "datastructs/packed_table.h"
#include "datastructs/sampling.h"

namespace rill::ds {
namespace {

std::string_view Format(int64_t v, char (&buf)[24]) {
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return {buf, static_cast<size_t>(r.ptr - buf)};
}

}  // namespace

Set::Set() : ints_() {}

Set::Set(const Set& other) : ObjectValue(), is_table_(other.is_table_) {
  if (is_table_) {
    table_ = new PackedTable(*other.table());
  } else {
    new (&ints_) IntSet(*other.ints());
  }
}

Set::~Set() {
  if (is_table_) {
    delete table_;
  } else {
    ints_.~IntSet();
  }
}

std::unique_ptr<ObjectValue> Set::Clone() const { return std::make_unique<Set>(*this); }

size_t Set::MemoryUsage() const {
  return sizeof(*this) + (is_table_ ? table()->MemoryUsage() : ints()->MemoryUsage());
}

std::string_view Set::EncodingName() const { return is_table_ ? "hashtable" : "intset"; }

size_t Set::size() const { return is_table_ ? table()->size() : ints()->size(); }

bool Set::Contains(std::string_view member) const {
  if (is_table_) return table()->Find(member);
  int64_t v;
  return ParseInt64(member, &v) && ints()->Contains(v);
}

bool Set::Add(std::string_view member, const SetLimits& limits) {
  if (!is_table_) {
    int64_t v;
    if (ParseInt64(member, &v)) {
      if (!ints()->Add(v)) return false;
      if (ints()->size() > limits.max_intset_entries) ConvertToTable();
      return true;
    }
    ConvertToTable();
  }
  return table()->Add(member);
}

bool Set::Erase(std::string_view member) {
  if (is_table_) return table()->Erase(member);
  int64_t v;
  return ParseInt64(member, &v) && ints()->Remove(v);
}

void Set::ConvertToTable() {
  if (is_table_) return;
  auto table = std::make_unique<PackedTable>();
  table->Reserve(ints()->size());
  ForEach([&table](std::string_view m) { table->Add(m); });
  ints_.~IntSet();
  table_ = table.release();
  is_table_ = true;
}

void Set::ReserveTable(size_t n) {
  ConvertToTable();
  table()->Reserve(n);
}

void Set::ForEach(Visit visit) const {
  if (is_table_) {
    table()->ForEach([&visit](const PackedTable::Entry& e) { visit(e.key); });
    return;
  }
  char buf[24];
  const IntSet& s = *ints();
  for (size_t i = 0, n = s.size(); i < n; ++i) visit(Format(s.At(i), buf));
}

uint64_t Set::Scan(uint64_t cursor, size_t count, Visit visit) const {
  if (!is_table_) {
    ForEach(visit);
    return 0;
  }
  return table()->Scan(cursor, count, [&visit](const PackedTable::Entry& e) { visit(e.key); });
}

void Set::Random(absl::BitGen& gen, Visit visit) const {
  if (is_table_) {
    visit(table()->Random(gen).key);
    return;
  }
  char buf[24];
  visit(Format(ints()->At(absl::Uniform<size_t>(gen, 0, ints()->size())), buf));
}

void Set::SampleDistinct(absl::BitGen& gen, size_t count, Visit visit) const {
  const size_t n = size();
  if (count >= n) {
    ForEach(visit);
    return;
  }
  if (!is_table_ || count * 3 > n) {
    SelectionSampler sampler(n, count);
    ForEach([&](std::string_view m) {
      if (sampler.Take(gen)) visit(m);
    });
    return;
  }
  absl::flat_hash_set<std::string_view> picked;
  picked.reserve(count);
  while (picked.size() < count) {
    const std::string_view m = table()->Random(gen).key;
    if (picked.insert(m).second) visit(m);
  }
}

const IntSet& Set::intset() const { return *ints(); }

const char* Set::LoadIntset(std::string_view blob) {
  if (is_table_ || ints()->size() != 0) return "intset loaded into a non-empty set";
  return ints()->Load(blob);
}

}  // namespace rill::ds

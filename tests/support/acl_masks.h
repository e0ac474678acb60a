// Masks for comparing ACL replies between rill and redis where they legitimately differ:
// the order of single-command rules (Redis emits them in its command dict's hash order, which
// changes with every start), ACL LOG's age and the process-dependent fields of client-info.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace rill::testing {

// Rebuilds a RESP reply with every bulk string (and verbatim string) passed through
// `rewrite(previous_bulk, bulk)`, lengths recomputed. `previous_bulk` is the bulk string just
// before in the same aggregate ("" if none), so map values can be found by their key. A reply
// that does not parse is returned unchanged.
std::string RewriteBulks(
    const std::string& reply,
    const std::function<std::string(std::string_view previous, std::string_view bulk)>& rewrite);

// In a rule description ("user x on ~* resetchannels -@all +@read +get -set (...)"), sorts the
// single-command rules that follow the category rules of each selector.
std::string SortCommandRules(std::string_view description);

// Applies SortCommandRules to every bulk string of a reply that holds "+@all" or "-@all".
std::string MaskRuleOrder(const std::string& reply);

// In a CLIENT INFO line, replaces the values that depend on the process (id, addr, laddr, fd,
// age, idle, buffer sizes and memory) with '*'.
std::string MaskClientInfo(std::string_view line);

// HELLO reply: the client id masked.
std::string MaskHelloId(const std::string& reply);

// ACL LOG reply: age-seconds values masked, client-info lines masked by MaskClientInfo.
std::string MaskAclLog(const std::string& reply);

}  // namespace rill::testing

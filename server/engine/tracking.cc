#include "server/engine/tracking.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "server/engine/client.h"
#include "server/engine/client_registry.h"
#include "server/engine/command.h"
#include "server/engine/key_specs.h"

namespace rill {
namespace {

// Redis's stringCheckPrefix: two prefixes collide when one starts the other.
bool Overlap(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

void AppendBulk(std::string* out, std::string_view s) {
  absl::StrAppend(out, "$", s.size(), "\r\n", ToAbsl(s), "\r\n");
}

}  // namespace

Tracking::~Tracking() {
  // The clients are gone (or going) with the engine: only their states are freed here.
  for (auto& [client, state] : owned_) delete state;
}

std::optional<std::string> Tracking::PrefixCollision(const ClientTracking* current,
                                                     std::span<const std::string_view> prefixes,
                                                     bool* bug_ok) {
  *bug_ok = false;
  for (size_t i = 0; i < prefixes.size(); ++i) {
    if (current != nullptr) {
      for (const std::string& existing : current->prefixes) {
        if (Overlap(existing, prefixes[i])) {
          return absl::StrCat("Prefix '", ToAbsl(prefixes[i]),
                              "' overlaps with an existing prefix '", existing,
                              "'. Prefixes for a single client must not overlap.");
        }
      }
    }
    for (size_t j = i + 1; j < prefixes.size(); ++j) {
      if (Overlap(prefixes[i], prefixes[j])) {
        // Redis 7.0 returns `i` here, meant as "false": past the first prefix the caller goes
        // on and enables tracking after the error, so the client gets two replies.
        *bug_ok = i != 0;
        return absl::StrCat("Prefix '", ToAbsl(prefixes[i]),
                            "' overlaps with another provided prefix '", ToAbsl(prefixes[j]),
                            "'. Prefixes for a single client must not overlap.");
      }
    }
  }
  return std::nullopt;
}

void Tracking::Enable(Client& client, const TrackingOptions& options) {
  ClientTracking* state = client.tracking;
  if (state == nullptr) {
    state = new ClientTracking;
    owned_[&client] = state;
    client.tracking = state;
  }
  if (!state->on) ++tracking_clients_;
  state->on = true;
  state->broken_redirect = false;
  state->bcast = false;
  state->optin = false;
  state->optout = false;
  state->noloop = false;
  state->redirect = options.redirect;
  if (options.bcast) {
    state->bcast = true;
    auto add = [&](std::string_view prefix) {
      auto it = prefixes_.find(prefix);
      if (it == prefixes_.end()) it = prefixes_.emplace(std::string(prefix), PrefixState{}).first;
      std::vector<Client*>& members = it->second.clients;
      if (std::find(members.begin(), members.end(), &client) != members.end()) return;
      members.push_back(&client);
      state->prefixes.emplace(prefix);
    };
    if (options.prefixes.empty()) add("");
    for (std::string_view prefix : options.prefixes) add(prefix);
  }
  state->optin = options.optin;
  state->optout = options.optout;
  state->noloop = options.noloop;
}

void Tracking::Disable(Client& client) {
  ClientTracking* state = client.tracking;
  if (state == nullptr) return;
  if (state->bcast) {
    for (const std::string& prefix : state->prefixes) {
      auto it = prefixes_.find(prefix);
      if (it == prefixes_.end()) continue;
      std::vector<Client*>& members = it->second.clients;
      members.erase(std::remove(members.begin(), members.end(), &client), members.end());
      if (members.empty()) prefixes_.erase(it);
    }
    state->prefixes.clear();
  }
  if (state->on) {
    --tracking_clients_;
    const uint64_t redirect = state->redirect;  // kept, as Redis keeps it
    *state = ClientTracking{};
    state->redirect = redirect;
  }
}

void Tracking::ClientGone(Client& client) {
  if (client.tracking == nullptr) return;
  Disable(client);
  if (current_ == &client) {
    current_ = nullptr;
    pending_.clear();
  }
  auto it = owned_.find(&client);
  if (it != owned_.end()) {
    delete it->second;
    owned_.erase(it);
  }
  client.tracking = nullptr;
}

void Tracking::RememberKeys(Client& client, const Command& cmd,
                            std::span<const std::string_view> args) {
  const ClientTracking& state = *client.tracking;
  if ((state.optin && !state.caching) || (state.optout && state.caching)) return;
  if (cmd.meta == nullptr) return;
  std::vector<FoundKey> keys;
  if (!FindCommandKeys(*cmd.meta, args, &keys)) return;
  for (const FoundKey& found : keys) {
    const std::string_view key = args[found.pos];
    auto it = table_.find(key);
    if (it == table_.end())
      it = table_.emplace(std::string(key), absl::flat_hash_set<uint64_t>{}).first;
    if (it->second.insert(client.id).second) ++total_items_;
  }
}

void Tracking::InvalidateKey(std::string_view key, uint64_t by, bool bcast) {
  if (bcast && !prefixes_.empty()) {
    for (auto& [prefix, prefix_state] : prefixes_) {
      if (!key.starts_with(prefix)) continue;
      auto it = prefix_state.keys.find(key);
      if (it == prefix_state.keys.end()) {
        prefix_state.keys.emplace(std::string(key), by);
      } else {
        it->second = by;
      }
      broadcast_pending_ = true;
    }
  }
  auto it = table_.find(key);
  if (it == table_.end()) return;
  // The entry goes before any message: `key` may point into it (LimitKeys).
  std::vector<uint64_t> ids(it->second.begin(), it->second.end());
  const std::string owned_key(it->first);
  total_items_ -= ids.size();
  table_.erase(it);
  // Redis walks a radix tree of the ids' raw (little-endian) bytes: the same order here, so that
  // clients redirecting to one connection are heard in the same order.
  if (ids.size() > 1) {
    std::sort(ids.begin(), ids.end(),
              [](uint64_t a, uint64_t b) { return __builtin_bswap64(a) < __builtin_bswap64(b); });
  }
  for (uint64_t id : ids) {
    Client* target = clients_.Find(id);
    // A client that switched to BCAST since gets nothing of what it read before.
    if (target == nullptr || target->tracking == nullptr || !target->tracking->on ||
        target->tracking->bcast) {
      continue;
    }
    if (target->tracking->noloop && target == current_) continue;
    if (target == current_) {
      pending_.emplace_back(owned_key);
    } else {
      Send(*target, owned_key, false);
    }
  }
}

void Tracking::InvalidateAllOnFlush() {
  if (tracking_clients_ != 0) {
    // In the order the clients connected, as Redis walks its client list.
    std::vector<Client*> tracking;
    for (const auto& [id, client] : clients_) {
      if (client->tracking != nullptr && client->tracking->on) tracking.push_back(client);
    }
    std::sort(tracking.begin(), tracking.end(),
              [](const Client* a, const Client* b) { return a->id < b->id; });
    for (Client* client : tracking) {
      if (client == current_) {
        pending_.emplace_back(std::nullopt);
      } else {
        Send(*client, client->resp > 2 ? "_\r\n" : "$-1\r\n", true);
      }
    }
  }
  table_.clear();
  total_items_ = 0;
}

void Tracking::FlushPending() {
  if (pending_.empty()) return;
  std::vector<std::optional<std::string>> pending;
  pending.swap(pending_);
  if (current_ == nullptr) return;
  for (const std::optional<std::string>& key : pending) {
    if (key.has_value()) {
      Send(*current_, *key, false);
    } else {
      Send(*current_, current_->resp > 2 ? "_\r\n" : "$-1\r\n", true);
    }
  }
}

void Tracking::LimitKeys(uint64_t max_keys) {
  if (max_keys == 0) return;
  if (table_.size() <= max_keys) {
    limit_rounds_ = 0;
    return;
  }
  // Redis forgets keys picked by a random walk; the hash order here is as arbitrary.
  size_t effort = 100 * (static_cast<size_t>(limit_rounds_) + 1);
  std::vector<std::string> victims;
  for (auto it = table_.begin(); it != table_.end() && victims.size() < effort; ++it) {
    victims.push_back(it->first);
  }
  for (const std::string& key : victims) {
    InvalidateKey(key, 0, /*bcast=*/false);
    if (table_.size() <= max_keys) {
      limit_rounds_ = 0;
      return;
    }
  }
  ++limit_rounds_;
}

std::string Tracking::BroadcastArray(const std::map<std::string, uint64_t, std::less<>>& keys,
                                     uint64_t skip_id) {
  size_t count = 0;
  for (const auto& [key, by] : keys) {
    if (skip_id == 0 || by != skip_id) ++count;
  }
  if (count == 0) return {};
  std::string out = absl::StrCat("*", count, "\r\n");
  for (const auto& [key, by] : keys) {
    if (skip_id == 0 || by != skip_id) AppendBulk(&out, key);
  }
  return out;
}

void Tracking::SendBroadcasts() {
  broadcast_pending_ = false;
  for (auto& [prefix, state] : prefixes_) {
    if (state.keys.empty()) continue;
    const std::string common = BroadcastArray(state.keys, 0);
    for (Client* client : state.clients) {
      if (client->tracking->noloop) {
        const std::string own = BroadcastArray(state.keys, client->id);
        if (!own.empty()) Send(*client, own, true);
      } else {
        Send(*client, common, true);
      }
    }
    state.keys.clear();
  }
}

void Tracking::Send(Client& client, std::string_view payload, bool proto) {
  Client* target = &client;
  bool redirected = false;
  const uint64_t redirect = client.tracking != nullptr ? client.tracking->redirect : 0;
  if (redirect != 0) {
    target = clients_.Find(redirect);
    if (target == nullptr) {
      client.tracking->broken_redirect = true;
      // The client learns that its invalidations have nowhere to go (RESP3 only).
      if (client.resp > 2 && client.push) {
        client.push(absl::StrCat(">2\r\n$21\r\ntracking-redir-broken\r\n:", redirect, "\r\n"));
      }
      return;
    }
    redirected = true;
  }
  std::string message;
  if (target->resp > 2) {
    message = ">2\r\n$10\r\ninvalidate\r\n";
  } else if (redirected && target->subscribed()) {
    // RESP2 has no pushes: a redirect client with subscriptions gets a Pub/Sub message.
    message = "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";
  } else {
    return;
  }
  if (proto) {
    message.append(payload);
  } else {
    message.append("*1\r\n");
    AppendBulk(&message, payload);
  }
  if (target->push) target->push(message);
}

void AppendTrackingFlags(const Client& client, std::string* flags) {
  const ClientTracking* state = client.tracking;
  if (state == nullptr) return;
  if (state->on) *flags += 't';
  if (state->broken_redirect) *flags += 'R';
  if (state->bcast) *flags += 'B';
}

int64_t TrackingRedirectOf(const Client& client) {
  const ClientTracking* state = client.tracking;
  return state != nullptr && state->on ? static_cast<int64_t>(state->redirect) : -1;
}

}  // namespace rill

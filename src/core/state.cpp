// In-memory sorted state, overlays and the state root.
#include "core/state.h"

#include <charconv>

#include "core/crypto.h"

namespace tanso {

std::optional<std::string> State::get(std::string_view key) const {
  auto it = kv_.find(key);
  if (it == kv_.end()) return std::nullopt;
  return it->second;
}

void State::apply(const WriteSet& ws) {
  for (const auto& [k, v] : ws) {
    if (v) {
      auto [it, inserted] = kv_.insert_or_assign(k, *v);
      if (inserted) keys_.insert(k);
    } else if (kv_.erase(k)) {
      keys_.erase(k);
    }
  }
}

std::map<std::string, std::string> State::data() const {
  return std::map<std::string, std::string>(kv_.begin(), kv_.end());
}

WriteSet Overlay::take() {
  WriteSet out;
  for (auto& [k, v] : ws_) out.emplace(k, std::move(v));
  ws_.clear();
  return out;
}

std::optional<std::string> Overlay::get(std::string_view key) const {
  auto it = ws_.find(key);
  if (it != ws_.end()) return it->second;
  return base_.get(key);
}

void Overlay::merge_into(Overlay& parent) {
  for (auto& [k, v] : ws_) parent.ws_.insert_or_assign(k, std::move(v));
  ws_.clear();
}

Hash next_state_root(const Hash& prev_root, const WriteSet& ws) {
  static constexpr std::string_view kTag = "tanso/state/v1";
  Sha256 h;
  h.update(kTag).update(ByteView(prev_root.data(), prev_root.size()));
  Bytes buf;
  for (const auto& [k, v] : ws) {
    buf.clear();
    put_lp(buf, k);
    buf.push_back(v ? 1 : 0);
    if (v) put_lp(buf, *v);
    h.update(buf);
  }
  return h.final();
}

uint64_t parse_u64_or0(const std::optional<std::string>& s) {
  if (!s) return 0;
  uint64_t v = 0;
  std::from_chars(s->data(), s->data() + s->size(), v);
  return v;
}

std::string u64_text(uint64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, p);
}

}  // namespace tanso

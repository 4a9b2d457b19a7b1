// RocksDB store of the edge gateway (see store.h for the key space).
#include "edge/store.h"

#include <rocksdb/options.h>

#include <charconv>
#include <cstdio>

namespace tanso::edge {
namespace {

bool parse_u64(std::string_view s, uint64_t& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}
bool parse_i64(std::string_view s, int64_t& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}

// Next space-separated field of `v`.
std::string_view field(std::string_view& v) {
  auto sp = v.find(' ');
  std::string_view f = v.substr(0, sp);
  v = sp == std::string_view::npos ? std::string_view() : v.substr(sp + 1);
  return f;
}

}  // namespace

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string RawRecord::encode() const {
  return std::to_string(interval_start) + " " + std::to_string(gaps) + " " +
         std::to_string(subst_milli) + " " + std::to_string(value_milli) + " " + sig_hex + " " +
         text;
}

std::optional<RawRecord> RawRecord::decode(std::string_view v) {
  RawRecord r;
  if (!parse_i64(field(v), r.interval_start) || !parse_u64(field(v), r.gaps) ||
      !parse_u64(field(v), r.subst_milli) || !parse_u64(field(v), r.value_milli))
    return std::nullopt;
  r.sig_hex = std::string(field(v));
  r.text = std::string(v);
  if (r.sig_hex.size() != 128 || r.text.empty()) return std::nullopt;
  return r;
}

std::string encode_device_state(const DeviceState& s) {
  std::string out = "v2 " + std::to_string(s.acked) + " ";
  bool first = true;
  for (const auto& [lo, hi] : s.above) {
    if (!first) out += ',';
    first = false;
    out += std::to_string(lo) + "-" + std::to_string(hi);
  }
  return out;
}

DeviceState decode_device_state(std::string_view v) {
  DeviceState s;
  if (!v.starts_with("v2 ")) {
    // Before acks were contiguous: "<last seq> <recent values>"; every seq up to it was handled.
    parse_u64(field(v), s.acked);
    return s;
  }
  v.remove_prefix(3);
  parse_u64(field(v), s.acked);
  while (!v.empty()) {
    auto c = v.find(',');
    std::string_view r = v.substr(0, c);
    v = c == std::string_view::npos ? std::string_view() : v.substr(c + 1);
    auto dash = r.find('-');
    uint64_t lo = 0, hi = 0;
    if (dash != std::string_view::npos && parse_u64(r.substr(0, dash), lo) &&
        parse_u64(r.substr(dash + 1), hi) && lo <= hi && lo > s.acked)
      s.above[lo] = hi;
  }
  // The holes' waits start again at the first tick after the load (resends may be on the way).
  if (s.has_hole()) s.revealed.emplace_back(s.max_handled() + 1, kRevealedUnset);
  return s;
}

Result<std::unique_ptr<Store>> Store::open(const std::string& dir) {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.IncreaseParallelism(2);
  rocksdb::DB* db = nullptr;
  auto s = rocksdb::DB::Open(o, dir, &db);
  if (!s.ok()) return err("edge.store_open", "cannot open " + dir + ": " + s.ToString());
  return std::unique_ptr<Store>(new Store(db));
}

Store::~Store() = default;

std::string Store::raw_key(std::string_view inst, std::string_view dev, uint64_t seq) {
  return "r/" + std::string(inst) + "/" + std::string(dev) + "/" + hex16(seq);
}
std::string Store::interval_prefix(std::string_view inst, int64_t start) {
  return "i/" + std::string(inst) + "/" + hex16(static_cast<uint64_t>(start)) + "/";
}
std::string Store::interval_key(std::string_view inst, int64_t start, std::string_view dev,
                                uint64_t seq) {
  return interval_prefix(inst, start) + std::string(dev) + "/" + hex16(seq);
}
std::string Store::open_key(std::string_view inst, int64_t start) {
  return "o/" + std::string(inst) + "/" + hex16(static_cast<uint64_t>(start));
}
std::string Store::batch_key(std::string_view inst, int64_t start) {
  return "b/" + std::string(inst) + "/" + hex16(static_cast<uint64_t>(start));
}
std::string Store::device_key(std::string_view inst, std::string_view dev) {
  return "d/" + std::string(inst) + "/" + std::string(dev);
}

std::optional<std::string> Store::get(const std::string& key) const {
  std::string v;
  auto s = db_->Get(rocksdb::ReadOptions(), key, &v);
  if (!s.ok()) return std::nullopt;
  return v;
}

Status Store::write(rocksdb::WriteBatch& wb, bool sync) {
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  auto s = db_->Write(wo, &wb);
  if (!s.ok()) return err("edge.store_write", s.ToString());
  return ok_status();
}

void Store::scan(const std::string& prefix,
                 const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
    if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
}

std::vector<StoredReading> Store::interval_readings(std::string_view inst, int64_t start) const {
  std::vector<StoredReading> out;
  const std::string prefix = interval_prefix(inst, start);
  scan(prefix, [&](std::string_view k, std::string_view) {
    k.remove_prefix(prefix.size());
    auto slash = k.rfind('/');
    StoredReading r;
    r.device = std::string(k.substr(0, slash));
    r.seq = std::stoull(std::string(k.substr(slash + 1)), nullptr, 16);
    auto raw = get(raw_key(inst, r.device, r.seq));
    if (!raw) return true;
    auto rec = RawRecord::decode(*raw);
    if (!rec) return true;
    r.value_milli = rec->value_milli;
    r.gaps = rec->gaps;
    r.subst_milli = rec->subst_milli;
    r.text = std::move(rec->text);
    out.push_back(std::move(r));
    return true;
  });
  sort_for_merkle(out);
  return out;
}

std::vector<std::pair<uint64_t, uint64_t>> Store::readings_below(std::string_view inst,
                                                                 std::string_view dev, uint64_t seq,
                                                                 size_t n) const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  if (seq <= 1 || n == 0) return out;
  const std::string prefix = "r/" + std::string(inst) + "/" + std::string(dev) + "/";
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekForPrev(raw_key(inst, dev, seq - 1));
       it->Valid() && it->key().starts_with(prefix) && out.size() < n; it->Prev()) {
    auto rec = RawRecord::decode(it->value().ToStringView());
    if (!rec) continue;
    auto k = it->key().ToStringView().substr(prefix.size());
    out.emplace_back(std::stoull(std::string(k), nullptr, 16), rec->value_milli);
  }
  return out;
}

uint64_t Store::size_bytes() const {
  uint64_t sst = 0, mem = 0;
  db_->GetIntProperty("rocksdb.total-sst-files-size", &sst);
  db_->GetIntProperty("rocksdb.cur-size-all-mem-tables", &mem);
  return sst + mem;
}

}  // namespace tanso::edge

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
  std::string out = std::to_string(s.last_seq) + " ";
  for (size_t i = 0; i < s.recent.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(s.recent[i]);
  }
  return out;
}

DeviceState decode_device_state(std::string_view v) {
  DeviceState s;
  parse_u64(field(v), s.last_seq);
  while (!v.empty()) {
    auto c = v.find(',');
    uint64_t x = 0;
    if (parse_u64(v.substr(0, c), x)) s.recent.push_back(x);
    v = c == std::string_view::npos ? std::string_view() : v.substr(c + 1);
  }
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

uint64_t Store::size_bytes() const {
  uint64_t sst = 0, mem = 0;
  db_->GetIntProperty("rocksdb.total-sst-files-size", &sst);
  db_->GetIntProperty("rocksdb.cur-size-all-mem-tables", &mem);
  return sst + mem;
}

}  // namespace tanso::edge

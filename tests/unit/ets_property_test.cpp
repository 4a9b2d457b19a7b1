// Randomized property test of the K-ETS module through the real executor: >= 100,000 seeded
// transactions (allocation orders, certifications, KCU issues, transfers, surrenders, banking,
// borrowing, prices, projections and settlements — valid ones mixed with every kind of rule
// breach) from 30 companies, a bank and the regulator across the compliance years 2022-2026
// (phase 3 and the first year of phase 4), in blocks of random size whose time advances by up to
// eight days, so every surrender deadline passes during the run. After every block the ledger
// must agree with a small obviously-correct model (plain maps and the rules written out
// longhand): the same receipt code for every tx, the same balances, supplies, instruments and
// ETS records (allocations, certifications, surrenders, banking, borrowing, prices, settled
// statuses and penalties), and conservation_violations() empty. The seed is printed on failure;
// set TANSO_SEED to replay one.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/ets.h"
#include "core/executor.h"
#include "core/holdings.h"
#include "core/identity.h"

namespace tanso {
namespace {

constexpr std::string_view kChain = "ets-prop";
constexpr size_t kCompanies = 30;   // c0..c29
constexpr size_t kDesignated = 25;  // c0..c24 are designated (c25..c29 never)
constexpr size_t kOpsMin = 100'000;
constexpr size_t kBlockTxsMax = 400;
constexpr uint32_t kFirstYear = 2022, kLastYear = 2026;
constexpr uint64_t kDayMs = 86'400'000;

std::string company(size_t i) { return "c" + std::to_string(i); }
std::string kau(uint32_t y) { return "KAU-" + std::to_string(y); }

// Phase facts of the defaults, written out: 2021-2025 phase 3 (KCU 5 %, borrowing 15 %),
// 2026-2030 phase 4 (5 %, 15 %). Deadline: end of 31 August of the next year, KST.
int phase(uint32_t y) { return y >= 2021 && y <= 2025 ? 3 : y >= 2026 && y <= 2030 ? 4 : 0; }
uint64_t deadline_end(uint32_t y) {
  return static_cast<uint64_t>(days_from_civil(y + 1, 9, 1)) * kDayMs - 9 * 3'600'000;
}
uint64_t pct(uint64_t amount, uint64_t bp) { return amount * bp / 10'000; }  // small amounts

using Key = std::pair<uint32_t, std::string>;  // (year, account)

struct Model {
  std::map<std::string, std::string> role;
  std::map<std::string, std::pair<uint32_t, uint32_t>> desig;  // account -> [from, to]
  std::map<uint32_t, uint64_t> cap, allocated;
  std::set<std::string> orders;
  std::set<std::string> instruments;
  std::map<std::pair<std::string, std::string>, uint64_t> bal;  // no zeros
  std::map<std::string, uint64_t> supply;
  std::map<Key, uint64_t> alloc, cert, banked, borrowed, proj;
  std::map<std::tuple<uint32_t, std::string, std::string>, uint64_t> surr;
  std::map<uint32_t, uint64_t> price;
  std::map<Key, std::pair<std::string, uint64_t>> status;  // (status, penalty)
  std::set<uint32_t> settled;
  std::map<std::string, uint64_t> nonce;

  uint64_t get(const std::map<Key, uint64_t>& m, uint32_t y, const std::string& a) const {
    auto it = m.find({y, a});
    return it == m.end() ? 0 : it->second;
  }
  uint64_t balance(const std::string& a, const std::string& i) const {
    auto it = bal.find({a, i});
    return it == bal.end() ? 0 : it->second;
  }
  void set_bal(const std::string& a, const std::string& i, uint64_t v) {
    if (v == 0)
      bal.erase({a, i});
    else
      bal[{a, i}] = v;
  }
  void issue(const std::string& i, const std::string& a, uint64_t n) {
    set_bal(a, i, balance(a, i) + n);
    supply[i] += n;
  }
  void burn(const std::string& i, const std::string& a, uint64_t n) {
    set_bal(a, i, balance(a, i) - n);
    supply[i] -= n;
  }
  void create(const std::string& i) {
    if (instruments.insert(i).second) supply[i] = 0;
  }
  bool designated(const std::string& a, uint32_t y) const {
    auto it = desig.find(a);
    return it != desig.end() && y >= it->second.first && y <= it->second.second;
  }
  uint64_t surrendered(uint32_t y, const std::string& a, const std::string& i) const {
    auto it = surr.find({y, a, i});
    return it == surr.end() ? 0 : it->second;
  }
  std::optional<uint64_t> certified(uint32_t y, const std::string& a) const {
    auto it = cert.find({y, a});
    if (it == cert.end()) return std::nullopt;
    return it->second;
  }
};

uint64_t seed_from_env() {
  if (const char* s = std::getenv("TANSO_SEED")) return std::strtoull(s, nullptr, 10);
  std::random_device rd;
  return (uint64_t{rd()} << 32) | rd();
}

struct Gen {
  Tx tx;
  std::string code;
};

class EtsProperty {
 public:
  explicit EtsProperty(uint64_t seed) : rng_(seed) {
    for (size_t i = 0; i < kCompanies; ++i) accounts_.push_back(company(i));
    accounts_.push_back("bk0");
    accounts_.push_back("reg");
    for (size_t i = 0; i < accounts_.size(); ++i) {
      std::array<uint8_t, 32> s{};
      s[0] = static_cast<uint8_t>(i);
      s[1] = 0xe5;
      keys_[accounts_[i]].push_back(keypair_from_seed(s));
    }
    std::array<uint8_t, 32> s{};
    s[0] = 0xff;
    s[1] = 0xe5;
    keys_["reg"].push_back(keypair_from_seed(s));  // the second officer
  }

  std::string genesis(uint64_t time_ms) {
    Json g = {{"chain_id", kChain}, {"time_ms", time_ms}};
    g["orgs"] = {{{"org", "moe"}, {"name", "Regulator"}, {"role", "regulator"}},
                 {{"org", "co"}, {"name", "Companies"}, {"role", "company"}},
                 {{"org", "bk"}, {"name", "Banks"}, {"role", "bank"}}};
    Json accounts = Json::array();
    for (const auto& a : accounts_) {
      Json keys = Json::array();
      for (const auto& k : keys_[a]) keys.push_back(key_to_text(k.pub));
      Json acct = {{"account", a},
                   {"org", a == "reg"   ? "moe"
                           : a == "bk0" ? "bk"
                                        : "co"},
                   {"keys", keys}};
      if (a == "reg") acct["type_thresholds"] = {{"ets.allocation.order", 2}};
      accounts.push_back(acct);
      model_.role[a] = a == "reg" ? "regulator" : a == "bk0" ? "bank" : "company";
    }
    g["accounts"] = accounts;
    Json txs = Json::array();
    for (uint32_t y = kFirstYear; y <= kLastYear; ++y) {
      uint64_t cap = 20'000 + below(40'000);
      txs.push_back({{"type", "ets.plan.set"}, {"body", {{"year", y}, {"cap", cap}}}});
      model_.cap[y] = cap;
      model_.create(kau(y));
    }
    for (size_t i = 0; i < kDesignated; ++i) {
      uint32_t from = kFirstYear + static_cast<uint32_t>(below(3));
      Json body = {{"company", company(i)},
                   {"name", "Company " + std::to_string(i)},
                   {"sector", "steel"},
                   {"from_year", from},
                   {"installations", Json::array()}};
      uint32_t to = 9999;
      if (below(10) < 3) {
        to = from + static_cast<uint32_t>(below(kLastYear - from + 1));
        body["to_year"] = to;
      }
      txs.push_back({{"type", "ets.designate"}, {"body", body}});
      model_.desig[company(i)] = {from, to};
    }
    g["ets"] = {{"txs", txs}};
    return g.dump();
  }

  // Draws the next tx for a block at `time_ms`, applies it to the model, returns it with the
  // code the ledger must give.
  Gen next_tx(uint64_t time_ms) {
    uint64_t roll = below(1000);
    if (roll < 40) return order();
    if (roll < 100) return certify();
    if (roll < 130) return kcu_issue();
    if (roll < 330) return transfer();
    if (roll < 680) return surrender(time_ms);
    if (roll < 780) return bank(time_ms);
    if (roll < 880) return borrow(time_ms);
    if (roll < 900) return price();
    if (roll < 915) return settle(time_ms);
    if (roll < 995) return project();
    return unauthorized();
  }

  void expect_state_matches(const State& st) const {
    std::map<std::pair<std::string, std::string>, uint64_t> ledger;
    st.scan("bal/", [&](const std::string& k, const std::string& v) {
      auto slash = k.find('/', 4);
      ledger[{k.substr(4, slash - 4), k.substr(slash + 1)}] = parse_u64_or0(v);
    });
    ASSERT_EQ(ledger, model_.bal);
    std::set<std::string> insts;
    st.scan("inst/", [&](const std::string& k, const std::string&) { insts.insert(k.substr(5)); });
    ASSERT_EQ(insts, model_.instruments);
    for (const auto& [i, s] : model_.supply) ASSERT_EQ(supply(st, i), s) << i;
    for (const auto& [a, n] : model_.nonce) ASSERT_EQ(last_nonce(st, a), n) << a;
    // Per-(year, account) records.
    auto records = [&](std::string_view kind) {
      std::map<Key, uint64_t> m;
      std::string prefix = "ets/" + std::string(kind) + "/";
      st.scan(prefix, [&](const std::string& k, const std::string& v) {
        std::string rest = k.substr(prefix.size());
        auto slash = rest.find('/');
        m[{static_cast<uint32_t>(std::stoul(rest.substr(0, slash))), rest.substr(slash + 1)}] =
            parse_u64_or0(v);
      });
      return m;
    };
    ASSERT_EQ(records("alloc"), model_.alloc);
    ASSERT_EQ(records("cert"), model_.cert);
    ASSERT_EQ(records("bank"), model_.banked);
    ASSERT_EQ(records("borrow"), model_.borrowed);
    ASSERT_EQ(records("proj"), model_.proj);
    std::map<std::tuple<uint32_t, std::string, std::string>, uint64_t> surr;
    st.scan("ets/surr/", [&](const std::string& k, const std::string& v) {
      auto a = k.find('/', 9), b = k.rfind('/');
      surr[{static_cast<uint32_t>(std::stoul(k.substr(9, a - 9))), k.substr(a + 1, b - a - 1),
            k.substr(b + 1)}] = parse_u64_or0(v);
    });
    ASSERT_EQ(surr, model_.surr);
    std::map<Key, std::pair<std::string, uint64_t>> status;
    st.scan("ets/status/", [&](const std::string& k, const std::string& v) {
      auto a = k.find('/', 11);
      Json j = Json::parse(v);
      status[{static_cast<uint32_t>(std::stoul(k.substr(11, a - 11))), k.substr(a + 1)}] = {
          j["status"].get<std::string>(), std::stoull(j["penalty_krw"].get<std::string>())};
    });
    ASSERT_EQ(status, model_.status);
    for (uint32_t y = kFirstYear; y <= kLastYear; ++y) {
      ASSERT_EQ(ets::settled(st, y), model_.settled.contains(y)) << y;
      ASSERT_EQ(parse_u64_or0(st.get("ets/price/" + std::to_string(y))),
                model_.price.contains(y) ? model_.price.at(y) : 0);
    }
    auto bad = conservation_violations(st);
    ASSERT_TRUE(bad.empty()) << bad.size() << " instruments violate conservation";
  }

  // The regulator's views agree with the model's sums.
  void expect_views_match(const State& st) const {
    for (uint32_t y = kFirstYear; y <= kLastYear; ++y) {
      auto t = ets_totals(st, y);
      ASSERT_TRUE(t);
      uint64_t alloc = 0, kau_s = 0, kcu_s = 0, bank = 0, borrow = 0, companies = 0;
      for (const auto& [k, v] : model_.alloc) alloc += k.first == y ? v : 0;
      for (const auto& [k, v] : model_.banked) bank += k.first == y ? v : 0;
      for (const auto& [k, v] : model_.borrowed) borrow += k.first == y ? v : 0;
      for (const auto& [k, v] : model_.surr)
        (std::get<2>(k) == "KCU" ? kcu_s : kau_s) += std::get<0>(k) == y ? v : 0;
      for (const auto& [a, r] : model_.desig) companies += model_.designated(a, y);
      EXPECT_EQ((*t)["allocated"], u64_text(alloc)) << y;
      EXPECT_EQ((*t)["surrendered_kau"], u64_text(kau_s)) << y;
      EXPECT_EQ((*t)["surrendered_kcu"], u64_text(kcu_s)) << y;
      EXPECT_EQ((*t)["banked"], u64_text(bank)) << y;
      EXPECT_EQ((*t)["borrowed"], u64_text(borrow)) << y;
      EXPECT_EQ((*t)["companies"], companies) << y;
      auto table = ets_compliance_table(st, y);
      ASSERT_TRUE(table);
      EXPECT_EQ((*table)["rows"].size(), companies);
    }
  }

  uint64_t below(uint64_t n) { return rng_() % n; }

 private:
  std::string pick_company() { return company(below(kCompanies)); }
  // Mostly a company designated for the year (when there is one), else any company.
  std::string pick_for(uint32_t y) {
    std::vector<std::string> covered;
    for (const auto& [a, r] : model_.desig)
      if (model_.designated(a, y)) covered.push_back(a);
    if (covered.empty() || below(10) == 0) return pick_company();
    return covered[below(covered.size())];
  }
  uint32_t pick_year() {
    return kFirstYear + static_cast<uint32_t>(below(kLastYear - kFirstYear + 1));
  }

  Gen make(const std::string& from, const std::string& type, const Json& body, std::string code,
           size_t signers = 1) {
    uint64_t n = model_.nonce[from] + 1;
    bool consumed = code != "tx.insufficient_signatures" && code != "tx.unauthorized_type";
    if (consumed) model_.nonce[from] = n;
    Payload p{std::string(kChain), type, from, n, 1'000'000'000, body};
    std::vector<const KeyPair*> ks;
    for (size_t i = 0; i < signers; ++i) ks.push_back(&keys_[from][i]);
    auto tx = decode_tx(sign_envelope(payload_text(p), kChain, ks));
    if (!tx) ADD_FAILURE() << "generated tx does not decode: " << tx.error().message;
    return {tx ? *tx : Tx{}, code};
  }
  Json amount_json(uint64_t v) { return below(2) ? Json(v) : Json(std::to_string(v)); }

  // ets.allocation.order: 2 of the regulator's keys; a few with one.
  Gen order() {
    uint32_t y = below(30) == 0 ? 2027 : below(50) == 0 ? 2031 : pick_year();
    std::string id = below(10) == 0 && !model_.orders.empty()
                         ? *std::next(model_.orders.begin(), below(model_.orders.size()))
                         : "O-" + std::to_string(next_order_++);
    size_t n = 1 + below(6);
    Json entries = Json::array();
    std::vector<std::pair<std::string, uint64_t>> list;
    bool zero = false, dup = false;
    std::set<std::string> seen;
    for (size_t i = 0; i < n; ++i) {
      std::string a = below(20) == 0 ? "ghost" : below(2) ? pick_for(y) : pick_company();
      uint64_t amt = below(100) == 0 ? 0 : 100 + below(3000);
      zero |= amt == 0;
      dup |= !seen.insert(a).second;
      entries.push_back({a, amount_json(amt)});
      list.emplace_back(a, amt);
    }
    Json body = {{"order", id}, {"year", y}, {"entries", entries}};
    if (below(25) == 0)
      return make("reg", "ets.allocation.order", body, "tx.insufficient_signatures", 1);
    auto code = [&]() -> std::string {
      if (zero || dup) return "tx.malformed";
      if (!phase(y)) return "ets.unknown_year";
      if (model_.orders.contains(id)) return "ets.duplicate_order";
      if (!model_.cap.contains(y)) return "ets.no_plan";
      if (model_.settled.contains(y)) return "ets.already_settled";
      uint64_t total = 0;
      for (const auto& [a, amt] : list) {
        if (!model_.designated(a, y)) return "ets.not_designated";
        total += amt;
      }
      if (model_.allocated[y] + total > model_.cap[y]) return "ets.above_cap";
      for (const auto& [a, amt] : list) {
        model_.issue(kau(y), a, amt);
        model_.alloc[{y, a}] += amt;
      }
      model_.allocated[y] += total;
      model_.orders.insert(id);
      return "ok";
    }();
    return make("reg", "ets.allocation.order", body, code, 2);
  }

  Gen certify() {
    uint32_t y = below(50) == 0 ? 2031 : pick_year();
    std::string a = pick_for(y);
    uint64_t t = below(20) == 0 ? 0 : 200 + below(4000);
    Json body = {{"company", a}, {"year", y}, {"tco2e", amount_json(t)}};
    auto code = [&]() -> std::string {
      if (!phase(y)) return "ets.unknown_year";
      if (!model_.designated(a, y)) return "ets.not_designated";
      if (model_.settled.contains(y)) return "ets.already_settled";
      model_.cert[{y, a}] = t;
      return "ok";
    }();
    return make("reg", "ets.emissions.certify", body, code);
  }

  Gen kcu_issue() {
    std::string to = below(30) == 0 ? "ghost" : below(10) == 0 ? "bk0" : pick_company();
    uint64_t n = 1 + below(300);
    Json body = {{"to", to}, {"amount", amount_json(n)}};
    auto code = [&]() -> std::string {
      if (!model_.role.contains(to)) return "holdings.unknown_account";
      model_.create("KCU");
      model_.issue("KCU", to, n);
      return "ok";
    }();
    return make("reg", "ets.kcu.issue", body, code);
  }

  Gen transfer() {
    std::string from = below(10) == 0 ? "bk0" : pick_company();
    std::string to = below(10) == 0 ? "bk0" : pick_company();
    std::string inst = below(5) == 0 ? "KCU" : kau(pick_year() + (below(20) == 0 ? 1 : 0));
    uint64_t held = model_.balance(from, inst);
    uint64_t n = held == 0 ? 1 + below(50) : 1 + below(held + held / 5 + 1);
    Json body = {{"instrument", inst}, {"to", to}, {"amount", amount_json(n)}};
    auto code = [&]() -> std::string {
      if (!model_.instruments.contains(inst)) return "holdings.unknown_instrument";
      if (from == to) return "holdings.self_transfer";
      if (held < n) return "holdings.insufficient_balance";
      model_.set_bal(from, inst, held - n);
      model_.set_bal(to, inst, model_.balance(to, inst) + n);
      return "ok";
    }();
    return make(from, "holdings.transfer", body, code);
  }

  Gen surrender(uint64_t now) {
    uint32_t y = pick_year();
    std::string from = pick_for(y);
    std::string vintage = kau(y);
    auto c = model_.certified(y, from);
    uint64_t done = model_.surrendered(y, from, vintage) + model_.surrendered(y, from, "KCU");
    uint64_t left = c && *c > done ? *c - done : 0;
    // Usually aim at what is left of the obligation; sometimes anything.
    auto pick = [&](uint64_t held) {
      if (below(100) == 0) return uint64_t{0};
      if (left > 0 && below(2) == 0) return std::min(left, held == 0 ? left : held);
      return 1 + below(held + held / 4 + 1);
    };
    std::vector<std::pair<std::string, uint64_t>> units;
    uint64_t shape = below(20);
    if (shape < 11) {
      units = {{vintage, pick(model_.balance(from, vintage))}};
    } else if (shape < 15) {
      units = {{"KCU", c ? 1 + below(pct(*c, 500) + 5) : 1 + below(20)}};
    } else if (shape < 18) {
      units = {{vintage, pick(model_.balance(from, vintage))},
               {"KCU", c ? 1 + below(pct(*c, 500) / 2 + 3) : 1 + below(20)}};
      if (below(2)) std::swap(units[0], units[1]);
    } else if (shape < 19) {
      units = {{kau(y + (below(2) ? 1 : -1)), 1 + below(10)}};
      if (below(2)) units.insert(units.begin(), {vintage, 1});
    } else {
      units = {{"XYZ", 1 + below(10)}};
    }
    bool dup = units.size() == 2 && units[0].first == units[1].first;
    Json ju = Json::array();
    bool zero = false;
    for (const auto& [i, n] : units) {
      ju.push_back({i, amount_json(n)});
      zero |= n == 0;
    }
    Json body = {{"year", y}, {"units", ju}};
    auto code = [&]() -> std::string {
      if (zero || dup) return "tx.malformed";
      if (!model_.designated(from, y)) return "ets.not_designated";
      if (now >= deadline_end(y)) return "ets.deadline_passed";
      uint64_t kau_n = 0, kcu_n = 0;
      for (const auto& [i, n] : units) {
        if (i == vintage)
          kau_n = n;
        else if (i == "KCU")
          kcu_n = n;
        else if (i.starts_with("KAU-"))
          return "ets.wrong_vintage";
        else
          return "ets.ineligible_instrument";
      }
      uint64_t kau_d = model_.surrendered(y, from, vintage);
      uint64_t kcu_d = model_.surrendered(y, from, "KCU");
      if (kcu_n > 0) {
        if (!c) return "ets.not_certified";
        if (kcu_d + kcu_n > pct(*c, 500)) return "ets.offset_cap";
      }
      if (c && kau_d + kcu_d + kau_n + kcu_n > *c) return "ets.surrender_exceeds_obligation";
      if (model_.balance(from, vintage) < kau_n) return "holdings.insufficient_balance";
      if (model_.balance(from, "KCU") < kcu_n) return "holdings.insufficient_balance";
      if (kau_n) {
        model_.burn(vintage, from, kau_n);
        model_.surr[{y, from, vintage}] += kau_n;
      }
      if (kcu_n) {
        model_.burn("KCU", from, kcu_n);
        model_.surr[{y, from, "KCU"}] += kcu_n;
      }
      return "ok";
    }();
    return make(from, "ets.surrender", body, code);
  }

  Gen bank(uint64_t now) {
    uint32_t y = pick_year();
    std::string from = pick_for(y);
    uint64_t held = model_.balance(from, kau(y));
    uint64_t n = below(100) == 0 ? 0 : 1 + below(held + held / 5 + 1);
    Json body = {{"year", y}, {"amount", amount_json(n)}};
    auto code = [&]() -> std::string {
      if (n == 0) return "tx.malformed";
      if (!model_.designated(from, y)) return "ets.not_designated";
      if (now >= deadline_end(y + 1)) return "ets.deadline_passed";
      auto c = model_.certified(y, from);
      if (!c) return "ets.not_certified";
      uint64_t counted = model_.surrendered(y, from, kau(y)) +
                         std::min(model_.surrendered(y, from, "KCU"), pct(*c, 500));
      if (counted < *c) return "ets.obligation_unmet";
      if (held < n) return "holdings.insufficient_balance";
      model_.create(kau(y + 1));
      model_.burn(kau(y), from, n);
      model_.issue(kau(y + 1), from, n);
      model_.banked[{y, from}] += n;
      return "ok";
    }();
    return make(from, "ets.bank", body, code);
  }

  Gen borrow(uint64_t now) {
    uint32_t y = pick_year();
    std::string from = pick_for(y);
    uint64_t held = model_.balance(from, kau(y + 1));
    uint64_t n = below(100) == 0 ? 0 : 1 + below(held / 4 + 50);
    Json body = {{"year", y}, {"amount", amount_json(n)}};
    auto code = [&]() -> std::string {
      if (n == 0) return "tx.malformed";
      if (phase(y + 1) != phase(y)) return "ets.cross_phase";
      if (!model_.designated(from, y)) return "ets.not_designated";
      if (now >= deadline_end(y)) return "ets.deadline_passed";
      auto c = model_.certified(y, from);
      uint64_t base = c ? *c : model_.get(model_.alloc, y, from);
      if (model_.get(model_.borrowed, y, from) + n > pct(base, 1500)) return "ets.borrow_limit";
      if (held < n) return "holdings.insufficient_balance";
      model_.burn(kau(y + 1), from, n);
      model_.issue(kau(y), from, n);
      model_.borrowed[{y, from}] += n;
      return "ok";
    }();
    return make(from, "ets.borrow", body, code);
  }

  Gen price() {
    uint32_t y = pick_year();
    uint64_t p = 5'000 + below(45'000);
    Json body = {{"year", y}, {"avg_price_krw", amount_json(p)}};
    auto code = [&]() -> std::string {
      if (model_.settled.contains(y)) return "ets.already_settled";
      model_.price[y] = p;
      return "ok";
    }();
    return make("reg", "ets.price.set", body, code);
  }

  Gen settle(uint64_t now) {
    uint32_t y = pick_year();
    Json body = {{"year", y}};
    auto code = [&]() -> std::string {
      if (model_.settled.contains(y)) return "ets.already_settled";
      if (now < deadline_end(y)) return "ets.deadline_not_passed";
      std::map<Key, std::pair<std::string, uint64_t>> out;
      uint64_t per_t =
          model_.price.contains(y) ? std::min<uint64_t>(3 * model_.price[y], 100'000) : 0;
      for (const auto& [a, range] : model_.desig) {
        if (!model_.designated(a, y)) continue;
        auto c = model_.certified(y, a);
        if (!c) {
          out[{y, a}] = {"uncertified", 0};
          continue;
        }
        uint64_t counted = model_.surrendered(y, a, kau(y)) +
                           std::min(model_.surrendered(y, a, "KCU"), pct(*c, 500));
        uint64_t shortfall = *c > counted ? *c - counted : 0;
        if (shortfall > 0 && !model_.price.contains(y)) return "ets.no_price";
        out[{y, a}] = {shortfall > 0 ? "shortfall" : "compliant", shortfall * per_t};
      }
      model_.status.insert(out.begin(), out.end());
      model_.settled.insert(y);
      return "ok";
    }();
    return make("reg", "ets.compliance.settle", body, code);
  }

  Gen project() {
    uint32_t y = pick_year();
    std::string from = pick_for(y);
    uint64_t t = below(5000);
    Json body = {{"year", y}, {"projected_tco2e", amount_json(t)}};
    auto code = [&]() -> std::string {
      if (!model_.designated(from, y)) return "ets.not_designated";
      model_.proj[{y, from}] = t;
      return "ok";
    }();
    return make(from, "ets.position.project", body, code);
  }

  // A company sending a regulator's type, the bank a company's.
  Gen unauthorized() {
    if (below(2))
      return make(pick_company(), "ets.compliance.settle", {{"year", pick_year()}},
                  "tx.unauthorized_type");
    return make("bk0", "ets.surrender",
                {{"year", pick_year()}, {"units", Json::array({Json::array({kau(2023), 1})})}},
                "tx.unauthorized_type");
  }

  std::mt19937_64 rng_;
  std::vector<std::string> accounts_;
  std::map<std::string, std::vector<KeyPair>> keys_;
  Model model_;
  uint64_t next_order_ = 1;
};

TEST(EtsPropertyTest, LedgerMatchesModel) {
  init_crypto();
  const uint64_t seed = seed_from_env();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (replay: TANSO_SEED=" + std::to_string(seed) +
               ")");
  EtsProperty prop(seed);
  uint64_t time_ms = static_cast<uint64_t>(days_from_civil(2022, 1, 1)) * kDayMs - 9 * 3'600'000;
  auto g = apply_genesis(prop.genesis(time_ms));
  ASSERT_TRUE(g) << g.error().message;
  State st;
  st.apply(g->writes);
  Hash root = g->state_root;
  prop.expect_state_matches(st);
  ASSERT_FALSE(HasFatalFailure());

  std::map<std::string, size_t> codes;
  size_t ops = 0;
  for (uint64_t height = 1; ops < kOpsMin; ++height) {
    time_ms += prop.below(8 * kDayMs);
    std::vector<Tx> txs;
    std::vector<std::string> want;
    size_t n = 1 + prop.below(kBlockTxsMax);
    for (size_t i = 0; i < n; ++i) {
      auto [tx, code] = prop.next_tx(time_ms);
      txs.push_back(std::move(tx));
      want.push_back(std::move(code));
    }
    std::vector<const Tx*> ptrs;
    for (const auto& t : txs) ptrs.push_back(&t);
    BlockOutput out = execute_block(st, root, height, time_ms, ptrs, /*verify_sigs=*/false);
    ASSERT_EQ(out.receipts.size(), txs.size());
    for (size_t i = 0; i < txs.size(); ++i) {
      ASSERT_EQ(out.receipts[i].code, want[i])
          << "block " << height << " tx " << i << ": " << txs[i].payload_text << " -> "
          << out.receipts[i].message;
      ++codes[want[i]];
    }
    st.apply(out.writes);
    root = out.state_root;
    SCOPED_TRACE("after block " + std::to_string(height));
    prop.expect_state_matches(st);
    ASSERT_FALSE(HasFatalFailure());
    ops += txs.size();
  }
  prop.expect_views_match(st);
  // The mix really exercised every path.
  for (const char* c : {"ok",
                        "tx.malformed",
                        "tx.insufficient_signatures",
                        "tx.unauthorized_type",
                        "ets.unknown_year",
                        "ets.duplicate_order",
                        "ets.no_plan",
                        "ets.not_designated",
                        "ets.above_cap",
                        "ets.already_settled",
                        "ets.deadline_passed",
                        "ets.wrong_vintage",
                        "ets.ineligible_instrument",
                        "ets.not_certified",
                        "ets.offset_cap",
                        "ets.surrender_exceeds_obligation",
                        "ets.obligation_unmet",
                        "ets.borrow_limit",
                        "ets.cross_phase",
                        "ets.deadline_not_passed",
                        "holdings.insufficient_balance",
                        "holdings.unknown_account",
                        "holdings.self_transfer"})
    EXPECT_GT(codes[c], 0u) << c;
  EXPECT_GT(codes["ok"], ops / 5);
  std::string mix;
  for (const auto& [c, k] : codes) mix += " " + c + "=" + std::to_string(k);
  std::printf("%zu txs:%s\n", ops, mix.c_str());
}

}  // namespace
}  // namespace tanso

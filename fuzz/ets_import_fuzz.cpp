// libFuzzer target: the emissions-history import (ets/csv.h, ets/history.h) and the allocation
// preview on arbitrary bytes. Beyond "no crash, no sanitizer report" it checks:
// - every error has a code from the documented csv.* set, a message, and a line within the file;
// - a refused file returns no records; an accepted one returns records within the limits
//   (years 1990..2100, quantities <= quantity_max, lines ascending and within the file), unique
//   by (company, year);
// - skipping bad rows returns exactly the good rows of the strict run (which refuses iff any
//   error), and a file-level error refuses in both modes;
// - a preview of the records (grandfathering every company found) conserves gross = free +
//   auctioned per company and in the totals, and its order body, when produced, lists exactly the
//   companies with free > 0.
#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>

#include "core/crypto.h"
#include "ets/allocation.h"
#include "ets/history.h"

namespace {

using namespace tanso::ets;

void check(bool ok) {
  if (!ok) std::abort();
}

const std::set<std::string> kCodes = {
    "csv.too_large",      "csv.bad_encoding",   "csv.bad_quote",        "csv.empty",
    "csv.unknown_format", "csv.missing_column", "csv.duplicate_column", "csv.field_count",
    "csv.missing_value",  "csv.bad_number",     "csv.bad_year",         "csv.duplicate_row"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = (tanso::init_crypto(), true);
  (void)init;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  size_t lines = 1 + static_cast<size_t>(std::count(bytes.begin(), bytes.end(), '\n'));

  ImportReport strict = import_history(bytes);
  ImportOptions skip_opts;
  skip_opts.skip_bad_rows = true;
  ImportReport skip = import_history(bytes, skip_opts);

  for (const ImportReport* r : {&strict, &skip}) {
    for (const auto& e : r->errors) {
      check(kCodes.count(e.code) == 1);
      check(!e.message.empty());
      check(e.line <= lines);
    }
    if (r->refused) check(r->records.empty() && !r->errors.empty());
    std::set<std::pair<std::string, uint32_t>> keys;
    size_t last_line = 0;
    for (const auto& rec : r->records) {
      check(rec.year >= kYearMin && rec.year <= kYearMax);
      check(rec.emissions_t <= limits::quantity_max);
      check(!rec.energy_mtj || *rec.energy_mtj <= limits::quantity_max);
      check(!rec.company_name.empty() && valid_utf8(rec.company_name));
      check(rec.line > last_line && rec.line <= lines);
      last_line = rec.line;
      check(keys.insert({rec.company_name, rec.year}).second);
    }
  }
  check(strict.refused == !strict.errors.empty());
  if (!strict.refused) {
    check(!skip.refused && skip.records.size() == strict.records.size() && skip.errors.empty());
  } else if (!skip.refused) {
    // Only row errors were skipped: the strict run listed the same ones.
    check(skip.errors.size() == strict.errors.size());
    for (size_t i = 0; i < skip.errors.size(); ++i)
      check(skip.errors[i].line == strict.errors[i].line &&
            skip.errors[i].code == strict.errors[i].code);
  }

  if (skip.records.empty()) return 0;
  std::vector<Company> companies;
  std::set<std::string> names;
  for (const auto& rec : skip.records)
    if (names.insert(rec.company_name).second && companies.size() < 50)
      companies.push_back(Company{"c" + std::to_string(companies.size()), rec.company_name,
                                  Method::kGrandfathering, 0, 0});
  AllocationSettings s;
  s.year = 2100;
  s.base_year_first = 2090;
  s.base_year_last = 2099;
  if (skip.records[0].year < 2100) {
    s.base_year_first = std::max<uint32_t>(kYearMin, skip.records[0].year);
    s.base_year_last = std::min<uint32_t>(s.base_year_first + 2, 2099);
  }
  s.adjustment_ppm = 970'000;
  s.auction_share_ppm = 30'000;
  s.cap_t = uint64_t{1} << 62;
  auto p = preview_allocation(skip.records, companies, s);
  if (!p) return 0;  // e.g. two names differing only in trailing spaces
  uint64_t g = 0, f = 0, a = 0;
  size_t positive = 0;
  for (const auto& c : p->companies) {
    check(c.gross_t == c.free_t + c.auctioned_t);
    g += c.gross_t;
    f += c.free_t;
    a += c.auctioned_t;
    positive += c.free_t > 0;
  }
  check(g == p->total_gross_t && f == p->total_free_t && a == p->total_auctioned_t);
  auto body = allocation_order_body(*p, "fuzz");
  if (body) check((*body)["entries"].size() == positive);
  return 0;
}

// tanso ets import | preview: historical emissions from the public CSV disclosures, and the
// allocation preview with the unsigned `ets.allocation.order` body (signed with tanso tx
// build/sign). Local files only; no node needed. The rules are in src/ets/*.h.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli.h"
#include "ets/allocation.h"
#include "ets/history.h"

namespace tanso::cli {

// Terminal columns of UTF-8 text: Hangul and CJK take two, everything else one.
size_t display_width(std::string_view s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xF0 && i + 3 < s.size()) {
      len = 4;
      cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) |
           (s[i + 3] & 0x3Fu);
    } else if (c >= 0xE0 && i + 2 < s.size()) {
      len = 3;
      cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
    } else if (c >= 0xC0 && i + 1 < s.size()) {
      len = 2;
      cp = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
    }
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0x20000 && cp <= 0x3FFFD);
    w += wide ? 2 : 1;
    i += len;
  }
  return w;
}

namespace {

using namespace tanso::ets;

// Rows of cells printed with aligned columns; numeric columns right-aligned.
void print_table(const std::vector<std::string>& head, const std::vector<bool>& right,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w(head.size());
  for (size_t i = 0; i < head.size(); ++i) w[i] = display_width(head[i]);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], display_width(r[i]));
  auto line = [&](const std::vector<std::string>& r) {
    std::string out;
    for (size_t i = 0; i < r.size(); ++i) {
      std::string pad(w[i] - display_width(r[i]), ' ');
      out += right[i] ? pad + r[i] : r[i] + (i + 1 < r.size() ? pad : "");
      if (i + 1 < r.size()) out += "  ";
    }
    std::cout << out << "\n";
  };
  line(head);
  std::vector<std::string> rule;
  for (size_t x : w) rule.push_back(std::string(x, '-'));
  line(rule);
  for (const auto& r : rows) line(r);
}

std::string grouped(uint64_t v) {
  std::string d = std::to_string(v), out;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i > 0 && (d.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(d[i]);
  }
  return out;
}

// Milli-units as an exact decimal for display: 17930500 -> "17,930.5".
std::string milli_text(uint64_t m) {
  std::string frac = std::to_string(m % 1000);
  frac.insert(0, 3 - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return grouped(m / 1000) + (frac.empty() ? "" : "." + frac);
}

std::string delimiter_name(char c) { return c == '\t' ? "tab" : c == ',' ? "comma" : "auto"; }

Json error_json(const RowError& e) {
  return {{"line", e.line}, {"column", e.column}, {"code", e.code}, {"message", e.message}};
}

void print_errors(const std::string& file, const ImportReport& rep, const char* prefix) {
  for (const auto& e : rep.errors) {
    std::cerr << file << (e.line ? ":" + std::to_string(e.line) : "") << ": " << prefix << e.code
              << ": " << (e.column.empty() ? "" : e.column + ": ") << e.message << "\n";
  }
  if (rep.errors_omitted) std::cerr << file << ": ... and " << rep.errors_omitted << " more\n";
}

struct ImportArgs {
  std::string encoding = "auto", delimiter = "auto";
  bool skip_bad_rows = false;
};

ImportOptions import_options(const ImportArgs& a) {
  ImportOptions o;
  auto e = parse_encoding(a.encoding);
  if (!e) fail(kUsage, "--encoding takes auto, utf-8 or cp949 (euc-kr), not '" + a.encoding + "'");
  auto d = parse_delimiter(a.delimiter);
  if (!d) fail(kUsage, "--delimiter takes auto, comma or tab, not '" + a.delimiter + "'");
  o.encoding = *e;
  o.delimiter = *d;
  o.skip_bad_rows = a.skip_bad_rows;
  return o;
}

// Reads and imports one file; a refused file prints its errors and fails with the first code.
ImportReport import_file(const std::string& file, const ImportOptions& o) {
  std::string bytes = read_text(file);
  ImportReport rep = import_history(bytes, o);
  if (rep.refused) {
    print_errors(file, rep, "");
    const RowError& first = rep.errors.front();
    size_t n = rep.errors.size() + rep.errors_omitted;
    bool rows = first.line > 0 && first.code != "csv.missing_column" &&
                first.code != "csv.duplicate_column" && first.code != "csv.unknown_format";
    fail(kUsage, first.code + ": " + file + " refused, nothing imported (" + std::to_string(n) +
                     " error" + (n == 1 ? "" : "s") + ")" +
                     (rows && !o.skip_bad_rows ? "; --skip-bad-rows imports the good rows" : ""));
  }
  if (!rep.errors.empty()) print_errors(file, rep, "skipped: ");
  return rep;
}

Json record_json(const EmissionRecord& r) {
  Json j = {{"company_name", r.company_name},
            {"year", r.year},
            {"emissions_t", std::to_string(r.emissions_t)},
            {"sector", r.sector},
            {"source_format", format_name(r.source_format)},
            {"line", r.line}};
  if (r.energy_mtj) {
    j["energy_mtj"] = std::to_string(*r.energy_mtj);
    std::string tj = milli_text(*r.energy_mtj);
    std::erase(tj, ',');
    j["energy_tj"] = tj;
  }
  if (r.surrendered_t) j["surrendered_t"] = std::to_string(*r.surrendered_t);
  if (r.designation_kind) j["designation_kind"] = *r.designation_kind;
  if (r.verifier) j["verifier"] = *r.verifier;
  if (r.agency) j["agency"] = *r.agency;
  if (r.division) j["division"] = *r.division;
  return j;
}

void print_records(const ImportReport& rep) {
  std::vector<std::vector<std::string>> rows;
  bool ngms = rep.format == Format::kNgms;
  for (const auto& r : rep.records) {
    std::vector<std::string> row = {std::to_string(r.line), r.company_name, std::to_string(r.year),
                                    grouped(r.emissions_t)};
    if (ngms) {
      row.push_back(r.energy_mtj ? milli_text(*r.energy_mtj) : "-");
      row.push_back(r.sector);
      row.push_back(r.designation_kind.value_or("-"));
      row.push_back(r.verifier.value_or("-"));
    } else {
      row.push_back(r.surrendered_t ? grouped(*r.surrendered_t) : "-");
      row.push_back(r.division.value_or("-"));
      row.push_back(r.sector);
    }
    rows.push_back(std::move(row));
  }
  if (ngms)
    print_table(
        {"line", "company", "year", "emissions_t", "energy_TJ", "sector", "kind", "verifier"},
        {true, false, true, true, true, false, false, false}, rows);
  else
    print_table({"line", "company", "year", "certified_t", "surrendered_t", "division", "sector"},
                {true, false, true, true, true, false, false}, rows);
}

struct PreviewArgs {
  std::vector<std::string> history;
  std::string companies, base_years, adjust = "1", auction_share = "0", cap;
  uint32_t year = 0;
  std::string order, order_out;
  bool json = false;
};

template <typename T>
T or_fail(Result<T> r) {
  if (!r) fail(kUsage, r.error().code + ": " + r.error().message);
  return std::move(*r);
}

void run_preview(const PreviewArgs& a, const ImportArgs& ia) {
  if (!a.order_out.empty() && a.order.empty()) fail(kUsage, "--order-out needs --order ID");
  ImportOptions o = import_options(ia);
  AllocationSettings s;
  s.year = a.year;
  auto [first, last] = or_fail(parse_year_range(a.base_years));
  s.base_year_first = first;
  s.base_year_last = last;
  s.adjustment_ppm = or_fail(parse_ratio_ppm(a.adjust));
  s.auction_share_ppm = or_fail(parse_ratio_ppm(a.auction_share));
  auto cap = parse_quantity(a.cap, 0);
  if (!cap) fail(kUsage, "allocation.bad_settings: --cap " + cap.error().message);
  s.cap_t = *cap;

  std::vector<EmissionRecord> history;
  for (size_t i = 0; i < a.history.size(); ++i) {
    ImportReport rep = import_file(a.history[i], o);
    if (!global().quiet)
      std::cerr << a.history[i] << ": " << format_name(*rep.format) << ", "
                << encoding_name(rep.encoding) << ", " << rep.records.size() << " rows"
                << (rep.errors.empty() ? ""
                                       : " (" + std::to_string(rep.errors.size()) + " skipped)")
                << "\n";
    history.insert(history.end(), rep.records.begin(), rep.records.end());
    progress(i + 1, a.history.size(), "files");
  }
  auto companies =
      or_fail(companies_from_json(parse_json_or_fail(read_text(a.companies), a.companies)));
  AllocationPreview p = or_fail(preview_allocation(history, companies, s));
  std::string basis = preview_basis(p);
  // The order body (if asked): its refusal is reported after the preview is shown.
  std::optional<Json> body;
  std::optional<Error> order_error;
  if (!a.order.empty()) {
    auto b = allocation_order_body(p, a.order);
    if (b)
      body = std::move(*b);
    else
      order_error = b.error();
  }

  if (a.json) {
    Json out = {{"basis", basis}, {"preview", preview_json(p)}};
    Json ws = Json::array();
    for (const auto& c : p.companies)
      for (const auto& w : c.warnings)
        ws.push_back({{"account", c.account}, {"code", w.code}, {"message", w.message}});
    for (const auto& w : p.warnings) ws.push_back({{"code", w.code}, {"message", w.message}});
    out["warnings"] = ws;
    if (body) out["order"] = *body;
    print_json(out);
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : p.companies) {
      std::string years;
      for (const auto& b : c.base_years)
        years += (years.empty() ? "" : ",") + std::to_string(b.year) +
                 (b.source == Format::kEtrs ? "e" : "");
      if (!c.years_missing.empty()) {
        years += " (missing";
        for (uint32_t y : c.years_missing) years += " " + std::to_string(y);
        years += ")";
      }
      std::string ws;
      for (const auto& w : c.warnings) ws += (ws.empty() ? "" : ", ") + w.code;
      rows.push_back({c.account, c.name, std::string(method_name(c.method)),
                      years.empty() ? "-" : years, grouped(c.base_average_t), grouped(c.gross_t),
                      grouped(c.auctioned_t), grouped(c.free_t), ws.empty() ? "-" : ws});
    }
    std::cout << "Allocation preview for " << s.year << ": base years " << s.base_year_first << "-"
              << s.base_year_last << ", adjustment " << a.adjust << " (" << s.adjustment_ppm
              << " ppm), auction share " << a.auction_share << " (" << s.auction_share_ppm
              << " ppm)\n\n";
    print_table({"account", "name", "method", "base years", "base_avg_t", "gross_t", "auctioned_t",
                 "free_t", "warnings"},
                {false, false, false, false, true, true, true, true, false}, rows);
    std::cout << "\ntotal: free " << grouped(p.total_free_t) << " t + auctioned "
              << grouped(p.total_auctioned_t) << " t = " << grouped(p.total_gross_t) << " t; cap "
              << grouped(s.cap_t) << " t: "
              << (p.exceeds_cap ? "EXCEEDED by " + grouped(p.total_gross_t - s.cap_t) + " t"
                                : "within (" + grouped(s.cap_t - p.total_gross_t) + " t left)")
              << "\nbasis: " << basis << " (SHA-256 of the canonical preview JSON)\n"
              << "(base years marked e: ETRS certified figure; otherwise NGMS statement)\n";
    if (body && a.order_out.empty()) std::cout << "\norder body:\n" << body->dump() << "\n";
  }
  for (const auto& c : p.companies)
    for (const auto& w : c.warnings)
      std::cerr << "warning: " << c.account << ": " << w.code << ": " << w.message << "\n";
  for (const auto& w : p.warnings) std::cerr << "warning: " << w.code << ": " << w.message << "\n";

  if (order_error) fail(kUsage, order_error->code + ": no order body: " + order_error->message);
  if (!a.order_out.empty()) {
    std::ofstream f(a.order_out, std::ios::binary | std::ios::trunc);
    if (!(f << body->dump() << "\n")) fail(kLocal, "cannot write " + a.order_out);
    std::cerr << "wrote the unsigned order body to " << a.order_out << "; to issue it:\n"
              << "  tanso tx build --from regulator --type ets.allocation.order --body @"
              << a.order_out << " > order.payload\n"
              << "  tanso tx sign -k OFFICER1.json -k OFFICER2.json order.payload > order.env\n"
              << "  tanso tx submit order.env\n";
  }
}

}  // namespace

// The `ets` command group, shared with the registry commands: created by whichever adds first.
CLI::App* ets_group(CLI::App& app) {
  auto found = app.get_subcommands([](CLI::App* s) { return s->get_name() == "ets"; });
  if (!found.empty()) return found.front();
  auto* ets = app.add_subcommand(
      "ets",
      "Emissions trading (K-ETS): CSV import and allocation preview (local files), registry "
      "transactions of the regulator and the companies, and reports");
  ets->require_subcommand(1);
  return ets;
}

void add_ets_import(CLI::App& app) {
  CLI::App* ets = ets_group(app);

  static ImportArgs ia;
  static std::string file;
  static bool json = false;
  auto* im = ets->add_subcommand(
      "import",
      "Check and show historical emissions from a public disclosure file (NGMS company "
      "statements or ETRS registry, CSV or TSV, UTF-8 or CP949)");
  im->add_option("file", file, "The CSV/TSV file, or - for stdin")->required();
  im->add_option("--encoding", ia.encoding, "auto | utf-8 | cp949 (euc-kr)")->capture_default_str();
  im->add_option("--delimiter", ia.delimiter, "auto | comma | tab")->capture_default_str();
  im->add_flag("--skip-bad-rows", ia.skip_bad_rows,
               "Import the good rows and list the bad ones (default: refuse the whole file)");
  im->add_flag("--json", json, "Print JSON: format, encoding, records, skipped rows");
  im->callback([] {
    ImportReport rep = import_file(file, import_options(ia));
    if (json) {
      Json recs = Json::array(), skipped = Json::array();
      for (const auto& r : rep.records) recs.push_back(record_json(r));
      for (const auto& e : rep.errors) skipped.push_back(error_json(e));
      print_json({{"file", file},
                  {"format", format_name(*rep.format)},
                  {"encoding", encoding_name(rep.encoding)},
                  {"delimiter", delimiter_name(rep.delimiter)},
                  {"data_rows", rep.data_rows},
                  {"records", recs},
                  {"skipped", skipped},
                  {"skipped_omitted", rep.errors_omitted}});
      return;
    }
    print_records(rep);
    std::cout << "\n"
              << rep.records.size() << " rows imported ("
              << (rep.format == Format::kNgms ? "NGMS company statements" : "ETRS registry") << ", "
              << encoding_name(rep.encoding) << ", " << delimiter_name(rep.delimiter)
              << "-separated)";
    if (size_t n = rep.errors.size() + rep.errors_omitted; n > 0)
      std::cout << "; " << n << " bad row" << (n == 1 ? "" : "s") << " skipped (listed on stderr)";
    std::cout << "\n";
  });

  static PreviewArgs pa;
  static ImportArgs pia;
  auto* pv = ets->add_subcommand(
      "preview",
      "Allocation preview for a compliance year from historical emissions (grandfathering) or "
      "benchmarks, with the auction share; optionally the unsigned ets.allocation.order body");
  pv->add_option("--history", pa.history, "NGMS/ETRS files (repeat, or several after one flag)")
      ->required();
  pv->add_option("--companies", pa.companies,
                 "JSON: {\"companies\": [{account, name, method, activity?, "
                 "benchmark_g_per_unit?}]}")
      ->required();
  pv->add_option("--year", pa.year, "Compliance year allocated")->required();
  pv->add_option("--base-years", pa.base_years, "Base years, e.g. 2017-2019")->required();
  pv->add_option("--adjust", pa.adjust, "Adjustment factor for grandfathering, 0..1")
      ->capture_default_str();
  pv->add_option("--auction-share", pa.auction_share, "Share withheld for auction, 0..1")
      ->capture_default_str();
  pv->add_option("--cap", pa.cap, "The plan's cap for the year, t (e.g. 6,000,000)")->required();
  pv->add_option("--encoding", pia.encoding, "auto | utf-8 | cp949 (euc-kr)")
      ->capture_default_str();
  pv->add_flag("--skip-bad-rows", pia.skip_bad_rows, "Skip bad rows of the history files");
  pv->add_option("--order", pa.order, "Order id: also produce the ets.allocation.order body");
  pv->add_option("--order-out", pa.order_out,
                 "Write the order body here (for tanso tx build --body @FILE)");
  pv->add_flag("--json", pa.json, "Print JSON: basis, canonical preview, warnings, order");
  pv->callback([] { run_preview(pa, pia); });
}

}  // namespace tanso::cli

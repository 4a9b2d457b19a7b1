// Delimiting the elements of {"field": [...]} without a DOM.
#include "core/json_scan.h"

namespace tanso {

namespace {

struct Scanner {
  std::string_view s;
  size_t i = 0;
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
  }
  bool eat(char c) {
    ws();
    if (i < s.size() && s[i] == c) return ++i, true;
    return false;
  }
  // Past a string starting at s[i] == '"'; false if unterminated or a control character.
  bool string() {
    if (i >= s.size() || s[i] != '"') return false;
    for (++i; i < s.size(); ++i) {
      char c = s[i];
      if (c == '\\') {
        if (++i >= s.size()) return false;
      } else if (c == '"') {
        ++i;
        return true;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        return false;
      }
    }
    return false;
  }
  // Past one value of any kind; nesting is counted, not recursed.
  bool value() {
    ws();
    if (i >= s.size()) return false;
    char c = s[i];
    if (c == '"') return string();
    if (c != '{' && c != '[') {
      size_t start = i;
      while (i < s.size() && s[i] != ',' && s[i] != ']' && s[i] != '}' && s[i] != ' ' &&
             s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
        ++i;
      return i > start;
    }
    std::vector<char> stack;
    while (i < s.size()) {
      c = s[i];
      if (c == '"') {
        if (!string()) return false;
        continue;
      }
      if (c == '{' || c == '[') stack.push_back(c == '{' ? '}' : ']');
      if (c == '}' || c == ']') {
        if (stack.empty() || stack.back() != c) return false;
        stack.pop_back();
        if (stack.empty()) return ++i, true;
      }
      ++i;
    }
    return false;
  }
};

}  // namespace

Result<std::vector<std::string_view>> scan_array_field(std::string_view body,
                                                       std::string_view field, size_t max_items) {
  auto malformed = [] { return err("request.malformed_json", "the body is not valid JSON"); };
  auto shape = [&] {
    return err("batch.malformed", "the body must be {\"" + std::string(field) + "\": [...]}");
  };
  Scanner sc{body};
  if (!sc.eat('{')) return sc.i < body.size() && body[sc.i] == '[' ? shape() : malformed();
  sc.ws();
  size_t key_start = sc.i;
  if (!sc.string()) return malformed();
  std::string_view key = body.substr(key_start + 1, sc.i - key_start - 2);
  if (key != field) return shape();
  if (!sc.eat(':')) return malformed();
  if (!sc.eat('[')) return shape();
  std::vector<std::string_view> out;
  if (!sc.eat(']')) {
    for (;;) {
      sc.ws();
      size_t start = sc.i;
      if (!sc.value()) return malformed();
      if (out.size() >= max_items)
        return err("batch.oversized",
                   "a batch may hold at most " + std::to_string(max_items) + " transactions", 413);
      out.push_back(body.substr(start, sc.i - start));
      if (sc.eat(',')) continue;
      if (sc.eat(']')) break;
      return malformed();
    }
  }
  if (sc.eat(',')) return shape();  // a second field
  if (!sc.eat('}')) return malformed();
  sc.ws();
  if (sc.i != body.size()) return malformed();
  return out;
}

}  // namespace tanso

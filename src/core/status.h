// Errors as values: a stable machine code ("tx.bad_signature"), a human message, and the HTTP
// status the API maps it to. Codes are part of the public contract (docs/ERRORS.md).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace tanso {

struct Error {
  std::string code;
  std::string message;
  int http = 400;
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error e) : v_(std::move(e)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

inline Error err(std::string code, std::string message, int http = 400) {
  return Error{std::move(code), std::move(message), http};
}

}  // namespace tanso

// The one way an expected failure is reported: a value, or an Error whose one line names the fd,
// the address or the variable, the value and the fix. Exceptions are left for "cannot start at all".
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace sdshim {

struct Error {
    std::string message;  // one line, ready for the log
    int code = 0;         // the errno behind it, where there is one
};

template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    // Only when ok(): checked by the callers, so std::get's throwing path is not compiled in.
    T& value() & { return *std::get_if<0>(&v_); }
    const T& value() const& { return *std::get_if<0>(&v_); }
    T&& value() && { return std::move(*std::get_if<0>(&v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return *std::get_if<1>(&v_); }
    const std::string& message() const { return error().message; }

    friend bool operator==(const Result& r, const T& v) { return r.ok() && r.value() == v; }

  private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : error_(std::move(error)) {}

    bool ok() const { return !error_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *error_; }
    const std::string& message() const { return error_->message; }

  private:
    std::optional<Error> error_;
};

using Status = Result<void>;

// The one exception of the project: a part of the runtime that could not be made before the loop
// runs ("cannot start at all"), with its Error. Never thrown once the loop runs.
class StartFailure : public std::runtime_error {
  public:
    explicit StartFailure(Error error) : std::runtime_error(error.message), error_(std::move(error)) {}
    const Error& error() const { return error_; }

  private:
    Error error_;
};

}  // namespace sdshim

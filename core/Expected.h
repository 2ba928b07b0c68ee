#pragma once
// A value or a typed error, for every public core call that can fail (ARCHITECTURE.md: "Habits").
// libstdc++ 12 has no std::expected in C++20, so this is the small subset we use.
#include <QString>
#include <utility>
#include <variant>

namespace pc {

// A generic one-line error. Units with their own failure classes use their own error type.
struct Error {
    QString message;
};

template <class T, class E = Error>
class [[nodiscard]] Expected {
public:
    Expected(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    Expected(E error) : m_v(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const E& error() const { return std::get<1>(m_v); }

private:
    std::variant<T, E> m_v;
};

// For calls that return nothing but can fail.
struct Done {};
template <class E = Error>
using Status = Expected<Done, E>;
inline Done done() { return {}; }

} // namespace pc

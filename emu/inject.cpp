#include "emu/inject.h"

#include <fmt/format.h>

#include <charconv>

namespace lmemu::emu {

std::string_view to_string(InjectKind k) {
    switch (k) {
    case InjectKind::Irq: return "irq";
    case InjectKind::Softirq: return "softirq";
    case InjectKind::Preempt: return "preempt";
    case InjectKind::Call: return "ipi";
    case InjectKind::Resched: return "reschedule-ipi";
    }
    return "?";
}

namespace {

// "N" (N >= 1) or "*".
bool parse_count(std::string_view s, InjectPoint& p) {
    if (s == "*") {
        p.sweep = true;
        return true;
    }
    uint64_t n = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || n == 0) return false;
    p.nth = n;
    return true;
}

}  // namespace

std::optional<InjectPoint> InjectPoint::parse(std::string_view spec, std::string& error) {
    InjectPoint p;
    const auto colon = spec.find(':');
    const std::string_view kind = spec.substr(0, colon);
    const std::string_view rest = colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1);
    if (kind == "call" || kind == "return") {
        p.event = kind == "call" ? Event::Call : Event::Return;
        const auto second = rest.find(':');
        p.function = std::string(rest.substr(0, second));
        if (p.function.empty()) {
            error = fmt::format("'{}:' needs a function name: {}:FUNC, {}:FUNC:N or {}:FUNC:*", kind, kind, kind, kind);
            return std::nullopt;
        }
        if (second != std::string_view::npos && !parse_count(rest.substr(second + 1), p)) {
            error = fmt::format("'{}' after the function must be a call number from 1, or *", rest.substr(second + 1));
            return std::nullopt;
        }
        return p;
    }
    if (kind == "pte_write" || kind == "barrier") {
        p.event = kind == "pte_write" ? Event::PteWrite : Event::Barrier;
        if (!parse_count(rest, p)) {
            error = fmt::format("{}:N needs N from 1 (the Nth {} of the run), or *", kind,
                                kind == "pte_write" ? "page-table store" : "barrier");
            return std::nullopt;
        }
        return p;
    }
    error = fmt::format("unknown injection point '{}': use call:FUNC, return:FUNC, pte_write:N or barrier:N", spec);
    return std::nullopt;
}

std::string InjectPoint::label() const {
    const std::string n = sweep && nth == 0 ? "*" : std::to_string(nth);
    switch (event) {
    case Event::Call:
    case Event::Return: {
        const char* kind = event == Event::Call ? "call" : "return";
        return nth == 1 && !sweep ? fmt::format("{}:{}", kind, function) : fmt::format("{}:{}:{}", kind, function, n);
    }
    case Event::PteWrite: return fmt::format("pte_write:{}", n);
    case Event::Barrier: return fmt::format("barrier:{}", n);
    }
    return "?";
}

std::string Injection::describe() const {
    std::string s = fmt::format("{} {}() at {}", to_string(kind), handler, at.label());
    if (migrate >= 0) s += fmt::format(", migrating the preempted task to CPU {}", migrate);
    return s;
}

}  // namespace lmemu::emu

#include "explore/schedule.h"

#include <fmt/format.h>

#include <charconv>

#include "kernel/include/lmemu/machine.h"

namespace lmemu::explore {

std::string format_choice(int choice) {
    return fmt::format("{}{}", emu::chosen_cpu(choice), emu::holds_irq(choice) ? "h" : "");
}

std::string format_schedule(const std::vector<int>& choices) {
    std::string s;
    for (size_t i = 0; i < choices.size();) {
        size_t n = 1;
        while (i + n < choices.size() && choices[i + n] == choices[i]) ++n;
        s += n == 1 ? fmt::format("{},", format_choice(choices[i])) : fmt::format("{}x{},", format_choice(choices[i]), n);
        i += n;
    }
    return s + "*";
}

std::optional<std::vector<int>> parse_schedule(std::string_view text, std::string& error) {
    auto number = [](std::string_view t, unsigned long& v) {
        const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        return ec == std::errc{} && end == t.data() + t.size() && !t.empty();
    };
    std::vector<int> choices;
    size_t at = 0;
    while (true) {
        const size_t comma = text.find(',', at);
        const std::string_view seg = text.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at);
        if (seg == "*") {
            if (comma != std::string_view::npos) {
                error = "'*' (the default from here on) must be the last segment";
                return std::nullopt;
            }
            return choices;
        }
        const size_t x = seg.find('x');
        std::string_view choice = seg.substr(0, x);
        const bool hold = !choice.empty() && choice.back() == 'h';
        if (hold) choice.remove_suffix(1);
        unsigned long cpu = 0, count = 1;
        if (!number(choice, cpu) || cpu >= LMEMU_MAX_CPUS ||
            (x != std::string_view::npos && (!number(seg.substr(x + 1), count) || count == 0 || count > 1'000'000))) {
            error = fmt::format("bad segment '{}': segments are CPU or CPUxCOUNT (CPU 0..{}, followed by h where "
                                "its interrupt is held back), comma-separated, ending in '*', e.g. 0x3,1hx2,*",
                                seg, LMEMU_MAX_CPUS - 1);
            return std::nullopt;
        }
        choices.insert(choices.end(), count, static_cast<int>(cpu) | (hold ? emu::kHoldIrq : 0));
        if (comma == std::string_view::npos) {
            error = "a schedule ends in '*' (the default from there on), e.g. 0x3,1x2,*";
            return std::nullopt;
        }
        at = comma + 1;
    }
}

emu::Chooser replay(std::vector<int> choices) {
    return [choices = std::move(choices)](const emu::ChoicePoint& p) {
        return p.index < choices.size() ? choices[p.index] : emu::default_choice(p);
    };
}

}  // namespace lmemu::explore

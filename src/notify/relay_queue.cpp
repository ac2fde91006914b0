// The relay's bounded queue to the outer socket and its drop policy: state changes get through.
#include "notify/relay_queue.hpp"

#include <algorithm>
#include <string_view>

namespace sdshim {

bool is_state_change(const std::string& dgram) {
    for (std::string_view key : {"READY=1", "STOPPING=1", "RELOADING=1"}) {
        auto at = dgram.find(key);
        if (at != std::string::npos && (at == 0 || dgram[at - 1] == '\n') &&
            (at + key.size() == dgram.size() || dgram[at + key.size()] == '\n'))
            return true;
    }
    return false;
}

Admission admit(std::deque<std::string>& queue, std::string dgram, std::size_t max) {
    if (queue.size() < max) {
        queue.push_back(std::move(dgram));
        return {true, std::nullopt};
    }
    auto victim = is_state_change(dgram) ? std::find_if(queue.begin(), queue.end(),
                                                        [](const std::string& q) { return !is_state_change(q); })
                                         : queue.end();
    if (victim == queue.end()) return {false, std::move(dgram)};
    std::string lost = std::move(*victim);
    queue.erase(victim);
    queue.push_back(std::move(dgram));
    return {true, std::move(lost)};
}

}  // namespace sdshim

// One probe per polled --ready mode behind one narrow interface: "does the server serve?", asked by
// readiness until it does and by the watchdog while it should.
#include "readiness/probe.hpp"

namespace sdshim {

std::unique_ptr<Probe> make_probe(const ServingCheck& check, Reaper& reaper, EventLoop& loop) {
    switch (check.mode.kind) {
        case ReadyKind::listen: return make_listen_probe(check);
        case ReadyKind::target: return make_target_probe(check);
        case ReadyKind::pidfile: return make_pidfile_probe(check);
        case ReadyKind::command: return make_command_probe(check, reaper);
        case ReadyKind::exec: return make_running_probe(check);
        case ReadyKind::health: return make_health_probe(check, loop);
        case ReadyKind::notify:
        case ReadyKind::automatic:  // resolved before: resolve_ready_mode
            break;
    }
    return nullptr;
}

}  // namespace sdshim

// The bridge: accepts on inherited listening sockets and splices each connection to the server's own address, in the
// one event loop.
#pragma once

#include "base/duration.hpp"
#include "base/log.hpp"
#include "base/net.hpp"
#include "base/unique_fd.hpp"
#include "bridge/bridge_spec.hpp"
#include "bridge/pump.hpp"
#include "core/event_loop.hpp"

#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sdshim {

struct BridgeConfig {
    std::vector<BridgeListener> listeners;
    std::size_t max_connections = 0;  // beyond it new connections wait in the kernel's backlog
    ProxyProtocol proxy = ProxyProtocol::none;
    Millis connect_timeout = kDefaultBridgeConnectTimeout;  // not answered by then: the client is closed
    // Clients wait in the backlog until the server serves (--ready=target, or a health target): a
    // connection accepted earlier would be refused by the target.
    bool accept_once_ready = false;
};

// fds a connection may hold at worst: two sockets and a pipe (two fds) each way.
inline constexpr std::size_t kBridgeFdsPerConnection = 6;
// --bridge-max-connections when not given: what RLIMIT_NOFILE leaves after the shim's own fds.
std::size_t default_bridge_max_connections(std::size_t nofile_limit);

class Bridge {
  public:
    Bridge(EventLoop& loop, BridgeConfig config);
    ~Bridge();
    Bridge(const Bridge&) = delete;
    Bridge& operator=(const Bridge&) = delete;

    // After the launch: the limit from RLIMIT_NOFILE, raised only now (the server keeps the limit it
    // was given) unless the config set one; then accepting, unless it waits for server_ready().
    // Never fails (it runs after the launch, where nothing may).
    void server_started();
    void server_ready();  // the first time the server serves
    // The stop sequence: the listening sockets are closed (what was not accepted stays in the
    // kernel's queue for systemd's next start); open connections go on until they end.
    void stop_accepting();
    std::size_t open_connections() const { return connections_.size(); }
    std::uint64_t accepted() const { return accepted_; }  // connections accepted so far (--exit-idle)
    // The end of the run: no more accepting, and `done` once the open connections have ended (data on
    // its way to a slow client), or after `within` at the latest.
    void drain(Millis within, std::function<void()> done);

  private:
    struct Side;
    struct Connection;

    using Timers = std::multimap<EventLoop::Clock::time_point, Connection*>;

    void start();
    void accept_some(const BridgeListener& listener);
    void open_upstream(const BridgeListener& listener, UniqueFd client);
    void connect_upstream(Connection& c);
    void on_event(Connection& c, bool upstream_side, std::uint32_t events);
    void on_timers();
    void set_timer(Connection& c, std::optional<EventLoop::Clock::time_point> when);
    bool finish_connect(Connection& c);
    bool send_header(Connection& c);
    bool watch(Connection& c, Side& side, bool upstream_side);
    bool set_interest(Connection& c, Side& side, bool upstream_side, std::uint32_t mask);
    void update_interest(Connection& c);
    void close(Connection& c, const char* why);
    void pause_accepting(bool paused);
    void resume_accepting();
    void drained();

    EventLoop& loop_;
    BridgeConfig cfg_;
    bool plan_limit_given_;
    std::vector<UniqueFd> listeners_;
    std::list<std::unique_ptr<Connection>> connections_;
    std::list<std::unique_ptr<Connection>> dead_;  // closed, freed at the start of the next handler
    PipePool pipes_;
    std::uint64_t accepted_ = 0;
    bool accepting_ = false;
    bool paused_ = false;
    EventLoop::DeadlineId retry_accept_;
    Timers timers_;                // connections whose connect has a deadline or waits for a retry
    EventLoop::DeadlineId timer_;  // armed at the first of timers_
    EventLoop::DeadlineId drain_deadline_;
    std::function<void()> drained_;  // while draining
    LogBudget connect_budget_;       // refused connects to the target
    LogBudget error_budget_;         // accept, socket and fd-limit failures
};

}  // namespace sdshim

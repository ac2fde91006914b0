// What the reload gate needs of a configuration check: ReloadCheck runs the server's own test, a unit test fakes it.
#pragma once

#include <cstdint>

namespace sdshim {

class ConfigCheck {
  public:
    virtual bool enabled() const = 0;
    // Runs started so far: a request made now is covered by run runs_started() + 1 (the one it
    // starts, or the one after the run under way). Its outcome speaks for run runs_started().
    virtual std::uint64_t runs_started() const = 0;
    // Starts a run, or asks for one more after the run under way (the configuration may have changed again).
    virtual void request() = 0;
    // The run under way is killed, and no outcome comes.
    virtual void cancel() = 0;

  protected:
    ~ConfigCheck() = default;
};

}  // namespace sdshim

// Test helper: makes N orphans (each re-parented to the shim), waits, and counts the zombies left.
#include <dirent.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

int count_zombies() {
    int zombies = 0;
    DIR* dir = opendir("/proc");
    if (!dir) return -1;
    while (dirent* ent = readdir(dir)) {
        char* end = nullptr;
        long pid = std::strtol(ent->d_name, &end, 10);
        if (*end != '\0' || pid <= 0) continue;
        char path[64];
        std::snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE* f = std::fopen(path, "r");
        if (!f) continue;
        char buf[512] = {};
        std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
        std::fclose(f);
        buf[n] = '\0';
        const char* close = std::strrchr(buf, ')');
        if (close && close[1] == ' ' && close[2] == 'Z') ++zombies;
    }
    closedir(dir);
    return zombies;
}

}  // namespace

int main(int argc, char** argv) {
    int n = argc > 1 ? std::atoi(argv[1]) : 2000;
    int made = 0;
    for (int i = 0; i < n; ++i) {
        pid_t child = fork();
        if (child == 0) {
            if (fork() == 0) {  // the grandchild outlives its parent: an orphan for PID 1
                timespec ts{0, (i % 50) * 1000000L};
                nanosleep(&ts, nullptr);
                _exit(0);
            }
            _exit(0);
        }
        if (child > 0) {
            waitpid(child, nullptr, 0);
            ++made;
        }
    }
    // Every orphan exits within 50 ms; give the reaper ample time, then look.
    timespec settle{1, 0};
    nanosleep(&settle, nullptr);
    std::printf("orphans=%d zombies=%d\n", made, count_zombies());
    return 0;
}

// Test peer linked to libsystemd: what sd_listen_fds_with_names() sees, plus the fds and LISTEN_* it got.
#include <systemd/sd-daemon.h>

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main() {
    const char* pid = std::getenv("LISTEN_PID");
    std::printf("getpid=%d LISTEN_PID=%s LISTEN_PIDFDID=%s\n", getpid(), pid ? pid : "-",
                std::getenv("LISTEN_PIDFDID") ? std::getenv("LISTEN_PIDFDID") : "-");
    std::vector<int> fds;
    if (DIR* d = opendir("/proc/self/fd")) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.' && std::atoi(e->d_name) != dirfd(d)) fds.push_back(std::atoi(e->d_name));
        closedir(d);
    }
    std::sort(fds.begin(), fds.end());
    std::printf("fds=");
    for (std::size_t i = 0; i < fds.size(); ++i) std::printf("%s%d", i ? "," : "", fds[i]);
    std::printf("\n");
    char** names = nullptr;
    int n = sd_listen_fds_with_names(0, &names);
    std::printf("sd_listen_fds_with_names=%d\n", n);
    for (int i = 0; i < n; ++i) {
        int fd = SD_LISTEN_FDS_START + i;
        std::printf("fd %d name=%s inet=%d unix=%d stream=%d dgram=%d\n", fd, names[i],
                    sd_is_socket_inet(fd, 0, 0, -1, 0) > 0, sd_is_socket_unix(fd, 0, -1, nullptr, 0) > 0,
                    sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, -1) > 0, sd_is_socket(fd, AF_UNSPEC, SOCK_DGRAM, -1) > 0);
        free(names[i]);
    }
    free(names);
    return 0;
}

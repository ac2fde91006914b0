#!/bin/sh
# whoami's answer to every request: which backend answered, the address the request came from and
# each header it carried (busybox httpd hands them over as REMOTE_ADDR and HTTP_*), one per line.
printf 'Content-Type: text/plain\r\n\r\n'
echo "Hostname: $(cat /proc/sys/kernel/hostname)"
echo "RemoteAddr: $REMOTE_ADDR"
echo "Method: $REQUEST_METHOD"
env | grep '^HTTP_' | sort

#!/usr/bin/python3
"""
The marshal lab's sysfs: a generic FUSE proxy. Every operation is forwarded to the lab
daemon (which owns the state model and all logic) over its unix socket, one JSON line
per request. FUSE is what gives sysfs writes their real errno: `echo 2 > sriov_numvfs`
fails with "Device or resource busy" exactly as the kernel answers.

Usage: /usr/bin/python3 sysfs_fuse.py <mountpoint> <daemon-socket>
Needs Debian's python3-fuse (fuse-python, API 0.2) and fuse3 (fusermount).
"""
import errno
import json
import socket
import stat
import sys
import threading
import time

import fuse

fuse.fuse_python_api = (0, 2)

START = int(time.time())


class Daemon:
    """One persistent connection to the lab daemon; reconnects once if it dropped."""

    def __init__(self, path):
        self.path = path
        self.sock = None
        self.reader = None
        self.lock = threading.Lock()

    def call(self, req):
        with self.lock:
            for _ in (0, 1):
                try:
                    if self.sock is None:
                        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                        s.connect(self.path)
                        self.sock = s
                        self.reader = s.makefile('rb')
                    self.sock.sendall((json.dumps(req) + '\n').encode())
                    line = self.reader.readline()
                    if not line:
                        raise OSError('daemon closed the connection')
                    return json.loads(line)
                except OSError:
                    self.sock = None
            return {'errno': 'EIO'}


def err(name):
    return -getattr(errno, name, errno.EIO)


class LabFS(fuse.Fuse):
    daemon = None

    def getattr(self, path):
        r = self.daemon.call({'op': 'getattr', 'path': path})
        if 'errno' in r:
            return err(r['errno'])
        st = fuse.Stat()
        st.st_uid = 0
        st.st_gid = 0
        st.st_atime = st.st_mtime = st.st_ctime = START
        if r['type'] == 'dir':
            st.st_mode = stat.S_IFDIR | 0o755
            st.st_nlink = 2
        elif r['type'] == 'link':
            st.st_mode = stat.S_IFLNK | 0o777
            st.st_nlink = 1
        else:
            st.st_mode = stat.S_IFREG | (0o644 if r.get('writable') else 0o444)
            st.st_nlink = 1
            st.st_size = 4096
        return st

    def readdir(self, path, offset):
        r = self.daemon.call({'op': 'readdir', 'path': path})
        if 'errno' in r:
            return
        for name in ['.', '..'] + r['entries']:
            yield fuse.Direntry(name)

    def readlink(self, path):
        r = self.daemon.call({'op': 'readlink', 'path': path})
        if 'errno' in r:
            return err(r['errno'])
        return r['target']

    def open(self, path, flags):
        r = self.daemon.call({'op': 'getattr', 'path': path})
        if 'errno' in r:
            return err(r['errno'])
        return 0

    def read(self, path, size, offset):
        r = self.daemon.call({'op': 'read', 'path': path})
        if 'errno' in r:
            return err(r['errno'])
        data = r['data'].encode()
        return data[offset:offset + size]

    def write(self, path, buf, offset):
        r = self.daemon.call({'op': 'write', 'path': path, 'data': buf.decode('utf-8', 'replace')})
        if 'errno' in r:
            return err(r['errno'])
        return len(buf)

    def truncate(self, path, size):
        # sysfs attributes ignore O_TRUNC: the write is what counts.
        return 0

    def ftruncate(self, path, size, fh=None):
        return 0


def main():
    mountpoint, sock = sys.argv[1], sys.argv[2]
    LabFS.daemon = Daemon(sock)
    server = LabFS(version='marshal-lab-sysfs', usage='', dash_s_do='setsingle')
    # No kernel caching of entries or attributes: VFs appear and vanish as the model changes.
    opts = 'direct_io,fsname=marshal-lab-sysfs,entry_timeout=0,attr_timeout=0,negative_timeout=0'
    server.parse(args=[mountpoint, '-f', '-s', '-o', opts], errex=1)
    server.multithreaded = False
    server.main()


if __name__ == '__main__':
    main()

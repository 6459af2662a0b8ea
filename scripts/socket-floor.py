#!/usr/bin/env python3
"""The kernel's share of one bridged caller frame on loopback TCP, without any Switchboard code.

For every 20 ms caller frame the server reads one ~330-byte WebSocket frame from the phone's socket and
writes one ~400-byte frame to the agent's socket. This process does exactly that (epoll, one read, one
write) for N phone/agent connection pairs on core 0, with the far ends on core 1, and prints the system
CPU time per frame: the floor under `switchboard bench`'s server CPU, whatever the server does in user space.

    python3 scripts/socket-floor.py [connections=200] [rounds=200]
"""
import os
import resource
import select
import socket
import sys
import time

connections = int(sys.argv[1]) if len(sys.argv) > 1 else 200
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 200
os.sched_setaffinity(0, {0})
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(4096)
port = listener.getsockname()[1]

far_end = os.fork()
if far_end == 0:
    # Phones send one frame per 20 ms round; agents drain what the "server" forwards.
    os.sched_setaffinity(0, {1})
    phones = [socket.create_connection(("127.0.0.1", port)) for _ in range(connections)]
    agents = [socket.create_connection(("127.0.0.1", port)) for _ in range(connections)]
    poller = select.epoll()
    for agent in agents:
        agent.setblocking(False)
        poller.register(agent.fileno(), select.EPOLLIN)
    frame = b"x" * 330
    for _ in range(rounds):
        for phone in phones:
            phone.send(frame)
        deadline = time.time() + 0.02
        while time.time() < deadline:
            for fd, _ in poller.poll(0.005):
                try:
                    os.read(fd, 65536)
                except BlockingIOError:
                    pass
    time.sleep(0.5)
    os._exit(0)

accepted = [listener.accept()[0] for _ in range(2 * connections)]
phones, agents = accepted[:connections], accepted[connections:]
poller = select.epoll()
agent_of = {}
for phone, agent in zip(phones, agents):
    phone.setblocking(False)
    poller.register(phone.fileno(), select.EPOLLIN)
    agent_of[phone.fileno()] = agent.fileno()
forwarded = b"y" * 400
before = resource.getrusage(resource.RUSAGE_SELF)
frames = 0
give_up = time.time() + rounds * 0.02 + 5
while frames < connections * rounds and time.time() < give_up:
    for fd, _ in poller.poll(0.05):
        try:
            if not os.read(fd, 4096):
                continue
        except BlockingIOError:
            continue
        os.write(agent_of[fd], forwarded)
        frames += 1
after = resource.getrusage(resource.RUSAGE_SELF)
system = after.ru_stime - before.ru_stime
per_frame = 1e6 * system / max(frames, 1)
print(f"connections={connections} frames={frames} system_cpu_s={system:.3f} us_per_frame={per_frame:.1f} "
      f"calls_per_core_at_50_frames_per_s={1e6 / (per_frame * 50):.0f}")
os.waitpid(far_end, 0)

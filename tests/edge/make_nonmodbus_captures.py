#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Non-Modbus traffic on the Modbus ports, and Modbus on a port that is not
(tests/captures/edge/nonmodbus/, with truth.json; checked by
tests/test_nonmodbus_502.py). Issue 15, item 7.

  tls_802.pcap     - a TLS 1.2 handshake (ClientHello, ServerHello,
                     Certificate, ServerHelloDone, ClientKeyExchange,
                     ChangeCipherSpec, Finished) and encrypted application
                     data on port 802 (Modbus/TCP Security): no key, so no
                     Modbus is visible.
  tls_502.pcap     - the same bytes on port 502 (a TLS client that picked
                     the wrong port): the MBAP reading of a TLS record has
                     protocol id 0x03xx, never a Modbus ADU.
  http_502.pcap    - HTTP GET and its response on 502 (a scanner's probe).
  random_502.pcap  - random bytes both ways on 502; every byte is non-zero,
                     so no 2-byte protocol id can read 0 and no ADU can be
                     valid (the truth is exact, not probable).
  portscan_502.pcap - a SYN scan of 502 across 40 hosts: 30 answer RST/ACK
                     (closed: refused attempts), 5 SYN+ACK (established;
                     the scanner resets), 5 stay silent (SYN retried once;
                     unfinished: the capture ends within connect_timeout).
  modbus_5020.pcap - real Modbus/TCP on port 5020 (handshake, 10 read
                     requests answered, one with an exception, FIN): paired
                     only when Wireshark is told (-d tcp.port==5020,mbtcp).

Deterministic (fixed seed and times): running it again gives the same bytes.
Usage: make_nonmodbus_captures.py [OUT_DIR]  (default tests/captures/edge/nonmodbus)
"""
import json
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fuzz"))
import pcapgen  # noqa: E402
from pcapgen import ACK, FIN, PSH, RST, SYN  # noqa: E402

DEFAULT_OUT = os.path.abspath(os.path.join(HERE, "..", "captures", "edge", "nonmodbus"))
T0 = 1700000000 * 1000000
CLI = pcapgen.ip4("192.168.20.11")
SRV = pcapgen.ip4("192.168.20.20")


def tls_record(ctype, body):
    return struct.pack(">BHH", ctype, 0x0303, len(body)) + body


def handshake_msg(htype, body):
    return struct.pack(">B", htype) + len(body).to_bytes(3, "big") + body


def client_hello(rng):
    sni = b"plc.example"
    ext_sni = struct.pack(">HHHBH", 0, len(sni) + 5, len(sni) + 3, 0, len(sni)) + sni
    ext_groups = struct.pack(">HHH", 10, 4, 2) + struct.pack(">H", 23)
    ext_sig = struct.pack(">HHH", 13, 4, 2) + struct.pack(">H", 0x0401)
    exts = ext_sni + ext_groups + ext_sig
    ciphers = struct.pack(">HHHH", 6, 0xC02F, 0xC030, 0x009C)
    body = struct.pack(">H", 0x0303) + bytes(rng.getrandbits(8) for _ in range(32)) + b"\x00" + ciphers + \
        b"\x01\x00" + struct.pack(">H", len(exts)) + exts
    return tls_record(22, handshake_msg(1, body))


def server_flight(rng):
    sh = struct.pack(">H", 0x0303) + bytes(rng.getrandbits(8) for _ in range(32)) + b"\x00" + \
        struct.pack(">HB", 0xC02F, 0) + struct.pack(">H", 0)
    cert = bytes(rng.getrandbits(8) for _ in range(600))
    certs = len(cert).to_bytes(3, "big") + cert
    msgs = handshake_msg(2, sh) + handshake_msg(11, len(certs).to_bytes(3, "big") + certs) + handshake_msg(14, b"")
    return tls_record(22, msgs)


def client_finish(rng):
    cke = handshake_msg(16, b"\x41" + bytes(rng.getrandbits(8) for _ in range(65)))
    return tls_record(22, cke) + tls_record(20, b"\x01") + tls_record(22, bytes(rng.getrandbits(8) for _ in range(40)))


def app_data(rng, n):
    return tls_record(23, bytes(rng.getrandbits(8) for _ in range(n)))


def tls_session(path, port, seed):
    rng = random.Random(seed)
    with pcapgen.PcapWriter(path) as w:
        c = pcapgen.Conn(w, CLI, SRV, 51000, port, 1000, 9000)
        t = c.handshake(T0)
        c.send(t + 100, True, PSH | ACK, client_hello(rng))
        c.send(t + 900, False, PSH | ACK, server_flight(rng))
        c.send(t + 1500, True, PSH | ACK, client_finish(rng))
        c.send(t + 2000, False, PSH | ACK, tls_record(20, b"\x01") + tls_record(22, bytes(40)))
        for i in range(4):
            c.send(t + 10000 * (i + 1), True, PSH | ACK, app_data(rng, 40))
            c.send(t + 10000 * (i + 1) + 3000, False, PSH | ACK, app_data(rng, 60))
        c.send(t + 60000, True, FIN | ACK)
        c.send(t + 60300, False, FIN | ACK)
        c.send(t + 60400, True, ACK)
    return {"connections": 1, "port": port}


def http_502(path):
    req = (b"GET / HTTP/1.1\r\nHost: 192.168.20.20:502\r\nUser-Agent: Mozilla/5.0 zgrab/0.x\r\n"
           b"Accept: */*\r\nAccept-Encoding: gzip\r\n\r\n")
    body = b"<html><body>not here</body></html>"
    resp = (b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
    with pcapgen.PcapWriter(path) as w:
        c = pcapgen.Conn(w, CLI, SRV, 52000, 502, 2000, 7000)
        t = c.handshake(T0)
        c.send(t + 100, True, PSH | ACK, req)
        c.send(t + 2100, False, PSH | ACK, resp)
        c.send(t + 2200, True, FIN | ACK)
        c.send(t + 2500, False, FIN | ACK)
        c.send(t + 2600, True, ACK)
    return {"connections": 1, "port": 502}


def random_502(path, seed):
    rng = random.Random(seed)
    with pcapgen.PcapWriter(path) as w:
        c = pcapgen.Conn(w, CLI, SRV, 53000, 502, 3000, 8000)
        t = c.handshake(T0)
        for i in range(24):
            data = bytes(rng.randrange(1, 256) for _ in range(rng.choice([1, 2, 7, 8, 12, 60, 260, 1000])))
            t += rng.randrange(100, 50000)
            c.send(t, i % 3 != 2, PSH | ACK, data)
        c.send(t + 1000, True, RST | ACK)
    return {"connections": 1, "port": 502}


def portscan_502(path):
    scanner = pcapgen.ip4("198.51.100.7")
    closed = opened = silent = 0
    with pcapgen.PcapWriter(path) as w:
        t = T0
        for h in range(40):
            host = pcapgen.ip4("192.168.30.%d" % (10 + h))
            c = pcapgen.Conn(w, scanner, host, 61000 + h, 502, 100000 + h, 500000 + h)
            c.send(t, True, SYN)
            if h < 30:
                c.send(t + 200, False, RST | ACK, ack=c.seq[True])
                closed += 1
            elif h < 35:
                c.send(t + 200, False, SYN | ACK)
                c.send(t + 300, True, RST, seq=c.seq[True])
                opened += 1
            else:
                c.send(t + 1000000, True, SYN, seq=c.seq[True] - 1)   # retried SYN, no answer
                silent += 1
            t += 1500
    return {"hosts": 40, "connections": 40, "attempts": 40, "refused": closed, "established": opened,
            "unfinished": silent, "port": 502}


def modbus_5020(path):
    with pcapgen.PcapWriter(path) as w:
        c = pcapgen.Conn(w, CLI, SRV, 54000, 5020, 4000, 6000)
        t = c.handshake(T0)
        for i in range(10):
            t += 100000
            c.send(t, True, PSH | ACK, struct.pack(">HHHBBHH", i + 1, 0, 6, 1, 3, 100 + i, 2))
            if i == 6:
                resp = struct.pack(">HHHBBB", i + 1, 0, 3, 1, 0x83, 2)
            else:
                resp = struct.pack(">HHHBBBHH", i + 1, 0, 7, 1, 3, 4, i, 2 * i)
            c.send(t + 15000, False, PSH | ACK, resp)
        c.send(t + 200000, True, FIN | ACK)
        c.send(t + 200300, False, FIN | ACK)
        c.send(t + 200400, True, ACK)
    return {"connections": 1, "port": 5020, "decode_as": "tcp.port==5020,mbtcp", "requests": 10,
            "responses": 10, "answered": 10, "exceptions": 1}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    os.makedirs(out, exist_ok=True)
    truth = {}
    makers = [("tls_802.pcap", lambda p: tls_session(p, 802, 802), "TLS handshake and data on 802 (Modbus/TCP Security)"),
              ("tls_502.pcap", lambda p: tls_session(p, 502, 802), "the same TLS bytes on 502"),
              ("http_502.pcap", http_502, "HTTP GET and 404 on 502"),
              ("random_502.pcap", lambda p: random_502(p, 502), "random non-zero bytes both ways on 502"),
              ("portscan_502.pcap", portscan_502, "SYN scan of 502 across 40 hosts"),
              ("modbus_5020.pcap", modbus_5020, "Modbus/TCP on 5020, decoded with -d tcp.port==5020,mbtcp")]
    for name, make, what in makers:
        t = make(os.path.join(out, name))
        t["what"] = what
        t.setdefault("requests", 0)
        t.setdefault("responses", 0)
        truth[name] = t
    with open(os.path.join(out, "truth.json"), "w") as fh:
        json.dump(truth, fh, indent=1, sort_keys=True)
        fh.write("\n")
    print("%d captures in %s" % (len(makers), out))


if __name__ == "__main__":
    main()

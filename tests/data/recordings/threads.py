import json, os, random, threading, time
results = {}
def worker(i):
    results[i] = (os.urandom(8).hex(), time.monotonic_ns() % 1000003)
ts = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(json.dumps({"pid": os.getpid(), "time": time.time(), "random": random.random(),
                  "workers": [results[i] for i in range(4)]}, sort_keys=True))

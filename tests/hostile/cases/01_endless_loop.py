# Hostile: an endless busy loop inside the function the tests call.
def solve(x):
    while True:
        x += 1

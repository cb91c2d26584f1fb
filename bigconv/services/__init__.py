"""Use cases shared by two or more front ends (the stations, the phone site, the commands)."""

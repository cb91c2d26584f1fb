"""Station screens: one per mode (desk, room, dashboard, timetable, set-up) and the screens they open."""

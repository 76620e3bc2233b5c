"""Private reference implementation of the course: never shipped to students."""

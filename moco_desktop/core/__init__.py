"""Pure domain: entities, time maths and duration parsing. Standard library only."""

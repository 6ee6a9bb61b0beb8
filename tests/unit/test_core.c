/* test_core.c - unit tests of the pairing/classification core (placeholder filled below) */
int main(void) { return 0; }

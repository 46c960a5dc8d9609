/* fuzz.h: what the harnesses in t/fuzz/ share: an invariant check that aborts loudly. */
#ifndef EBPFEXP_FUZZ_H
#define EBPFEXP_FUZZ_H
#include <stdio.h>
#include <stdlib.h>

/* An invariant of the module's contract: when it breaks, say which one and abort (a finding). */
#define FUZZ_ASSERT(cond, ...)                                                                     \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__,       \
				#cond);                                                            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif

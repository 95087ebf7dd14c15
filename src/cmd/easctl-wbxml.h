/* easctl-wbxml.h: `easctl wbxml decode|encode`, WBXML <-> XML for reading phones' traffic. */
#ifndef EASD_EASCTL_WBXML_H
#define EASD_EASCTL_WBXML_H

/* Runs `easctl wbxml ...`; argv[0] is "wbxml". Returns the exit status: 0 done, 1 bad input
 * (message on stderr naming the line or byte offset), 2 usage error. */
int easctl_wbxml_main(int argc, char **argv);

#endif

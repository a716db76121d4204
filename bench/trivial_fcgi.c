/* A trivial FastCGI back end for bench/frontcost.py: answers every request
 * at once with a fixed 12-byte JSON body, so that what is measured is the
 * front web server's own work. Built by the benchmark:
 *   cc -O2 -o trivial_fcgi trivial_fcgi.c -lfcgi */
#include <fcgiapp.h>

int
main(void)
{
	FCGX_Request req;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) == 0) {
		FCGX_PutS("Status: 200 OK\r\n"
			  "Content-Type: application/json\r\n"
			  "Content-Length: 12\r\n\r\n"
			  "{\"ok\":true}\n",
			  req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}

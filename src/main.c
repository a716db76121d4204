#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "llsr/config.h"
#include "llsr/log.h"
#include "llsr/server.h"
#include "llsr/service.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG SYSCONFDIR "/ll-solution-runner.conf"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: ll-solution-runner [-c FILE]\n"
		"       ll-solution-runner --check-config FILE\n"
		"       ll-solution-runner --version | --help\n\n"
		"A FastCGI responder: run it under spawn-fcgi, which hands the\n"
		"listening socket over on fd 0.\n\n"
		"  -c, --config FILE      configuration (default %s)\n"
		"      --check-config FILE  report every problem in FILE; exit 1 if any\n"
		"      --dump-config      print the effective configuration\n"
		"  -V, --version          print the version\n"
		"  -h, --help             this text\n",
		DEFAULT_CONFIG);
}

static void
on_term(int sig)
{
	(void)sig;
	server_stop();
}

static int
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked accept must return so that we exit.
	 * multiwatch stops its children with SIGQUIT: all of these mean
	 * "finish the request in hand, clean up, exit". */
	sa.sa_handler = on_term;
	if (sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGQUIT, &sa, NULL) < 0 ||
	    sigaction(SIGHUP, &sa, NULL) < 0)
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", required_argument, NULL, 'C'},
		{"dump-config", no_argument, NULL, 'D'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	struct config cfg;
	struct service *svc;
	const char *path = NULL;
	int ch, problems, dump = 0, rc;

	while ((ch = getopt_long(argc, argv, "c:Vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'C':
			config_defaults(&cfg);
			problems = config_load(&cfg, optarg, stderr);
			if (problems)
				fprintf(stderr, "%s: %d problem%s\n", optarg,
					problems, problems == 1 ? "" : "s");
			else
				printf("%s: OK\n", optarg);
			return problems ? 1 : 0;
		case 'D': dump = 1; break;
		case 'V':
			printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	config_defaults(&cfg);
	if (!path && access(DEFAULT_CONFIG, F_OK) == 0)
		path = DEFAULT_CONFIG;
	if (path) {
		problems = config_load(&cfg, path, stderr);
		if (problems) {
			fprintf(stderr,
				"ll-solution-runner: %s: %d problem%s, "
				"not starting\n",
				path, problems, problems == 1 ? "" : "s");
			return 1;
		}
	}
	if (dump) {
		config_dump(&cfg, stdout);
		return 0;
	}

	log_init("ll-solution-runner", cfg.log_target == CONFIG_LOG_SYSLOG,
		 cfg.log_level);
	/* TLS is set up only for an https engine: its libraries' pages are a
	 * large part of a worker's resident memory. */
	if (install_signals() < 0 ||
	    curl_global_init(strncmp(cfg.engine_url, "https://", 8) == 0
				     ? CURL_GLOBAL_DEFAULT
				     : CURL_GLOBAL_NOTHING) != 0) {
		log_error("start-up failed");
		return 1;
	}
	json_c_set_serialization_double_format("%.3f", JSON_C_OPTION_GLOBAL);
	svc = service_new(&cfg);
	if (!svc) {
		log_error("cannot set up the worker: out of memory or threads");
		return 1;
	}
	if (service_startup(svc) < 0) {
		service_free(svc);
		return 1;
	}
	log_info("worker ready (config %s)", path ? path : "built-in defaults");
	rc = server_run(svc, &cfg);
	log_info("worker exiting");
	service_free(svc);
	curl_global_cleanup();
	return rc < 0 ? 1 : 0;
}

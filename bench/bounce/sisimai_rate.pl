#!/usr/bin/perl
# Sisimai's in-process parse rate over the same corpus, for bench/bounce/run:
#   perl sisimai_rate.pl CORPUS_DIR SECONDS
# Sisimai is loaded once; every *.eml is read into memory first and parsed
# from memory (Sisimai::Mail::Memory), round after round, like bounce_bench.
use strict;
use warnings;
use Sisimai;
use Time::HiRes qw(time);

my ($dir, $seconds) = @ARGV;
die "usage: sisimai_rate.pl CORPUS_DIR SECONDS\n" unless defined $seconds && -d $dir;
opendir(my $dh, $dir) or die "$dir: $!\n";
my @names = sort grep { /\.eml\z/ } readdir($dh);
closedir($dh);
my @mails;
for my $n (@names) {
    open(my $fh, '<:raw', "$dir/$n") or die "$n: $!\n";
    local $/;
    push @mails, scalar <$fh>;
    close $fh;
}
for my $m (@mails) { my $copy = $m; Sisimai->make(\$copy, delivered => 1) }    # warm-up (loads modules)
my ($parsed, $start) = (0, time);
my $elapsed = 0;
# A negative SECONDS means a fixed number of rounds (for instruction-count profiling).
my $rounds = $seconds < 0 ? -$seconds : -1;
while ($rounds < 0 ? $elapsed < $seconds : $rounds-- > 0) {
    for my $m (@mails) {
        my $copy = $m;
        Sisimai->make(\$copy, delivered => 1);
        $parsed++;
    }
    $elapsed = time - $start;
}
exit 0 unless $parsed;
printf("sisimai_parse files=%d parsed=%d seconds=%.2f msgs_per_s=%.0f us_per_msg=%.1f\n",
       scalar @mails, $parsed, $elapsed, $parsed / $elapsed, 1e6 * $elapsed / $parsed);

<?php
// Oracle: composer/semver (Debian's php-composer-semver): VersionParser::normalize, then
// Comparator on the normalised strings. Prints "<va><vb><order>\t<norm a>\t<norm b>";
// the order is "?" when Comparator answers no relation (branches).
require '/usr/share/php/Composer/Semver/autoload.php';
use Composer\Semver\VersionParser;
use Composer\Semver\Comparator;

$p = new VersionParser();
function norm($p, $v) {
    try { return $p->normalize($v); } catch (\Throwable $e) { return null; }
}
$in = fopen('php://stdin', 'r');
while (($line = fgets($in)) !== false) {
    $line = substr($line, -1) === "\n" ? substr($line, 0, -1) : $line;
    [$a, $b] = explode("\t", $line, 2);
    $na = norm($p, $a);
    $nb = norm($p, $b);
    $c = '?';
    if ($na !== null && $nb !== null) {
        if (Comparator::equalTo($na, $nb)) { $c = '='; }
        elseif (Comparator::lessThan($na, $nb)) { $c = '<'; }
        elseif (Comparator::greaterThan($na, $nb)) { $c = '>'; }
    }
    echo ($na !== null ? 1 : 0), ($nb !== null ? 1 : 0), $c, "\t", $na ?? '', "\t", $nb ?? '', "\n";
}

<?php
/**
 * php-cli tests of the plugin's signer: it makes, byte for byte, the tokens PyJWT makes for the
 * shared test vectors (tests/vectors.json), which readtoearn's own tests verify too.
 * Run: php integrations/wordpress/tests/run.php
 */

define( 'READTOEARN_TESTING', true );
require __DIR__ . '/../readtoearn/includes/class-readtoearn-jwt.php';

$failures = 0;
function check( $ok, $what ) {
	global $failures;
	echo ( $ok ? 'ok   ' : 'FAIL ' ) . $what . "\n";
	if ( ! $ok ) {
		$failures++;
	}
}

$vectors = json_decode( file_get_contents( __DIR__ . '/vectors.json' ), true );
foreach ( $vectors['cases'] as $i => $case ) {
	$token = Readtoearn_JWT::sign( $case['claims'], $vectors['secret'], $vectors['kid'] );
	check( $token === $case['token'], "vector $i: the same token as PyJWT" );
}

// The claims a logged-in reader gets: sub as a string, a short life, a jti when asked.
$claims = Readtoearn_JWT::reader_claims( 42, 'ada@news.example', 'Ada', 1796000000, 600, 'j-1' );
check( $claims === $vectors['cases'][0]['claims'] + array( 'jti' => 'j-1' ), 'reader claims' );
check( array_keys( $claims ) === array( 'sub', 'email', 'name', 'iat', 'exp', 'jti' ), 'claims order' );

// A token is three URL-safe parts; tampering with the claims breaks the signature.
$token = Readtoearn_JWT::sign( $claims, $vectors['secret'], 'k' );
check( 1 === preg_match( '/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/', $token ), 'URL-safe, no padding' );
list( $h, $p, $s ) = explode( '.', $token );
$forged = Readtoearn_JWT::b64url( Readtoearn_JWT::json( array( 'sub' => '1' ) + $claims ) );
$mac    = Readtoearn_JWT::b64url( hash_hmac( 'sha256', "$h.$forged", $vectors['secret'], true ) );
check( $mac !== $s, 'the signature covers the claims' );

if ( $failures ) {
	echo "$failures failure(s)\n";
	exit( 1 );
}
echo "all passed\n";

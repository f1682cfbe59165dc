<?php
/**
 * Signs the reader's sign-in token for readtoearn: a JWT (HS256), the same bytes PyJWT makes.
 *
 * No WordPress function is used here, so php-cli tests can load this file alone.
 */

if ( ! defined( 'ABSPATH' ) && ! defined( 'READTOEARN_TESTING' ) ) {
	exit;
}

class Readtoearn_JWT {

	/** URL-safe base64 without padding (RFC 7515). */
	public static function b64url( $data ) {
		return rtrim( strtr( base64_encode( $data ), '+/', '-_' ), '=' );
	}

	/** JSON as Python's json.dumps(separators=(",", ":")) writes it: \u escapes, "/" unescaped. */
	public static function json( $value ) {
		return json_encode( $value, JSON_UNESCAPED_SLASHES );
	}

	/**
	 * An HS256 token for these claims, naming its key by `kid`. The header's keys are sorted,
	 * as PyJWT sorts them; the claims keep the order they are given in.
	 */
	public static function sign( array $claims, $secret, $kid ) {
		$header = array( 'alg' => 'HS256', 'kid' => (string) $kid, 'typ' => 'JWT' );
		ksort( $header );
		$signing_input = self::b64url( self::json( $header ) ) . '.' . self::b64url( self::json( $claims ) );
		$mac = hash_hmac( 'sha256', $signing_input, $secret, true );
		return $signing_input . '.' . self::b64url( $mac );
	}

	/**
	 * The claims of a logged-in reader: their WordPress id as `sub`, their address and name, and
	 * a short life (readtoearn refuses tokens that live longer than an hour).
	 */
	public static function reader_claims( $user_id, $email, $name, $now, $lifetime = 600, $jti = null ) {
		$claims = array(
			'sub'   => (string) $user_id,
			'email' => (string) $email,
			'name'  => (string) $name,
			'iat'   => (int) $now,
			'exp'   => (int) $now + (int) $lifetime,
		);
		if ( null !== $jti ) {
			$claims['jti'] = (string) $jti;
		}
		return $claims;
	}
}
